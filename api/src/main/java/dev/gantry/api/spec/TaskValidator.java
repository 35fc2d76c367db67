package dev.gantry.api.spec;

import static dev.gantry.api.spec.FieldPath.field;
import static dev.gantry.api.spec.FieldPath.index;

import dev.gantry.api.v1.Check;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Network;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.Security;
import dev.gantry.api.v1.Task;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates the tasks of one job. Port names and static ports are checked across all tasks:
 * every task of a replica runs on one node, and a port name becomes the job-wide environment
 * variable {@code GANTRY_PORT_<NAME>}. One instance per job, not thread-safe.
 */
final class TaskValidator {
  static final long MIN_MEMORY_BYTES = 4L << 20;
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9_-]{1,63}");
  private static final Pattern CAPABILITY = Pattern.compile("[A-Za-z0-9_]+");
  private static final Pattern ENV_NAME = Pattern.compile("[^=\\x00]+");
  private static final List<String> DRIVERS = List.of("runc", "docker");
  private static final List<String> PULL_POLICIES = List.of("always", "if-not-present", "never");
  private static final List<String> CHECK_KINDS = List.of("readiness", "liveness");
  private static final List<String> CHECK_TYPES = List.of("http", "tcp", "exec");

  private final Job job;
  private final Problems problems;
  // Keyed by the env-var spelling: "a-b" and "a_b" both become GANTRY_PORT_A_B.
  private final Map<String, String> portNamePaths = new HashMap<>();
  private final Map<Integer, String> staticPortPaths = new HashMap<>();
  // The tasks of a replica share one network namespace: two ports cannot listen on one `to`.
  private final Map<Integer, String> containerPortPaths = new HashMap<>();

  TaskValidator(Job job, Problems problems) {
    this.job = job;
    this.problems = problems;
  }

  void validateAll() {
    Map<String, String> taskNamePaths = new HashMap<>();
    for (int i = 0; i < job.getTasksCount(); i++) {
      String path = index("tasks", i);
      Task task = job.getTasks(i);
      problems.requireDnsLabel(field(path, "name"), task.getName());
      String first = taskNamePaths.putIfAbsent(task.getName(), field(path, "name"));
      if (first != null && !task.getName().isEmpty()) {
        problems.add(field(path, "name"), "duplicate task name " + Quoted.of(task.getName()) + " (also " + first + ")");
      }
      for (int p = 0; p < task.getPortsCount(); p++) {
        validatePort(task.getPorts(p), index(field(path, "ports"), p));
        validateContainerPort(task.getPorts(p), index(field(path, "ports"), p));
      }
    }
    Set<String> portNames = new HashSet<>();
    job.getTasksList().forEach(t -> t.getPortsList().forEach(p -> portNames.add(p.getName())));
    for (int i = 0; i < job.getTasksCount(); i++) {
      validateTask(job.getTasks(i), index("tasks", i), portNames);
    }
  }

  private void validateTask(Task task, String path, Set<String> portNames) {
    if (!task.getDriver().isEmpty() && !DRIVERS.contains(task.getDriver())) {
      problems.add(field(path, "driver"), Quoted.of(task.getDriver()) + " is not a driver (runc or docker;"
          + " leave it out for any driver the node has)" + Suggestions.hint(task.getDriver(), DRIVERS));
    }
    if (task.getImage().isBlank()) {
      problems.add(field(path, "image"), "is required");
    } else {
      ImageReferences.problem(task.getImage()).ifPresent(why -> problems.add(field(path, "image"),
          Quoted.of(task.getImage()) + " is not an image reference" + (why.isEmpty() ? "" : ": " + why)
              + ImageReferences.EXAMPLES));
    }
    if (!task.getPullPolicy().isEmpty() && !PULL_POLICIES.contains(task.getPullPolicy())) {
      problems.add(field(path, "pull_policy"), Quoted.of(task.getPullPolicy()) + " is not a pull policy (always,"
          + " if-not-present or never; leave it out for always on :latest, if-not-present otherwise)"
          + Suggestions.hint(task.getPullPolicy(), PULL_POLICIES));
    }
    if (!task.getImagePullSecret().isEmpty()) {
      // The name of a secret in the job's namespace (`gantry secret put NAME`), never its content.
      problems.requireDnsLabel(field(path, "image_pull_secret"), task.getImagePullSecret());
    }
    task.getEnvMap().keySet().stream().sorted().forEach(name -> {
      if (!ENV_NAME.matcher(name).matches()) {
        problems.add(FieldPath.key(field(path, "env"), name), "is not a valid environment variable name");
      }
    });
    if (task.hasResources()) {
      validateResources(task.getResources(), field(path, "resources"));
    }
    for (int c = 0; c < task.getChecksCount(); c++) {
      validateCheck(task, c, index(field(path, "checks"), c), portNames);
    }
    if (!task.getStopSignal().isEmpty() && !Signals.isKnown(task.getStopSignal())) {
      problems.add(field(path, "stop_signal"), Quoted.of(task.getStopSignal()) + " is not a signal (one of "
          + String.join(", ", Signals.NAMES) + ", without SIG, or a number 1..64)"
          + Suggestions.hint(task.getStopSignal(), Signals.NAMES));
    }
    if (task.hasStopGrace()) {
      problems.requireDuration(field(path, "stop_grace"), task.getStopGrace());
    }
    if (task.hasShutdownDelay()) {
      problems.requireDuration(field(path, "shutdown_delay"), task.getShutdownDelay());
    }
    if (!task.getWorkingDir().isEmpty() && !task.getWorkingDir().startsWith("/")) {
      problems.add(field(path, "working_dir"), Quoted.of(task.getWorkingDir()) + " is not an absolute path");
    }
    if (task.hasSecurity()) {
      validateSecurity(task.getSecurity(), field(path, "security"));
    }
  }

  private void validateResources(Resources r, String path) {
    problems.requireNonNegative(field(path, "cpu"), r.getCpuMillis());
    problems.requireNonNegative(field(path, "disk"), r.getDiskBytes());
    if (r.getMemoryBytes() < 0) {
      problems.requireNonNegative(field(path, "memory"), r.getMemoryBytes());
    } else if (r.getMemoryBytes() > 0 && r.getMemoryBytes() < MIN_MEMORY_BYTES) {
      // Below this runc cannot even start most processes; the OOM killer would be the result.
      problems.add(field(path, "memory"), "must be at least 4Mi, got " + Quantities.formatSize(r.getMemoryBytes()));
    }
  }

  private void validatePort(Port port, String path) {
    String name = port.getName();
    if (name.isEmpty()) {
      problems.add(field(path, "name"), "is required");
    } else if (!PORT_NAME.matcher(name).matches()) {
      problems.add(field(path, "name"), Quoted.of(name) + " is not a port name: use at most 63 lower-case"
          + " letters, digits, '-' and '_' (it becomes GANTRY_PORT_<NAME>)");
    } else {
      String first = portNamePaths.putIfAbsent(name.replace('-', '_'), field(path, "name"));
      if (first != null) {
        problems.add(field(path, "name"), "duplicate port name " + Quoted.of(name) + " (also " + first + ")");
      }
    }
    if (port.getStatic() != 0) {
      if (port.getStatic() < 1 || port.getStatic() > 65535) {
        problems.add(field(path, "static"), "must be between 1 and 65535, got " + port.getStatic());
      } else {
        String first = staticPortPaths.putIfAbsent(port.getStatic(), field(path, "static"));
        if (first != null) {
          problems.add(field(path, "static"), "static port " + port.getStatic() + " is already used (" + first + ")");
        }
      }
    }
  }

  /**
   * {@code to}: a port inside the replica's own namespace, so only bridge mode can honour it (named,
   * or the default for jobs that name none: {@link JobDefaults#networkMode}).
   */
  private void validateContainerPort(Port port, String path) {
    if (port.getTo() == 0) {
      return;
    }
    if (port.getTo() < 1 || port.getTo() > 65535) {
      problems.add(field(path, "to"), "must be between 1 and 65535, got " + port.getTo());
      return;
    }
    Network.Mode mode = JobDefaults.networkMode(job);
    if (mode == Network.Mode.HOST || mode == Network.Mode.NONE) {
      boolean named = job.getNetwork().getMode() == mode;
      problems.add(field(path, "to"), "needs network mode bridge: in " + mode.name().toLowerCase(java.util.Locale.ROOT)
          + " mode" + (named ? "" : " (the default; set network.mode: bridge)") + " nothing maps a host port to a port inside");
      return;
    }
    String first = containerPortPaths.putIfAbsent(port.getTo(), field(path, "to"));
    if (first != null) {
      problems.add(field(path, "to"), "port " + port.getTo() + " inside the replica is already used (" + first + ")");
    }
  }

  private void validateCheck(Task task, int c, String path, Set<String> portNames) {
    Check check = task.getChecks(c);
    if (!check.getName().isEmpty()) {
      problems.requireDnsLabel(field(path, "name"), check.getName());
      for (int earlier = 0; earlier < c; earlier++) {
        if (task.getChecks(earlier).getName().equals(check.getName())) {
          problems.add(field(path, "name"), "duplicate check name " + Quoted.of(check.getName()));
          break;
        }
      }
    }
    requireOneOf(field(path, "kind"), check.getKind(), CHECK_KINDS);
    requireOneOf(field(path, "type"), check.getType(), CHECK_TYPES);
    boolean network = check.getType().equals("http") || check.getType().equals("tcp");
    if (network && check.getPort().isEmpty()) {
      problems.add(field(path, "port"), "is required for " + check.getType() + " checks");
    } else if (network && !portNames.contains(check.getPort())) {
      problems.add(field(path, "port"), "no port named " + Quoted.of(check.getPort()) + " in this job"
          + Suggestions.hint(check.getPort(), portNames));
    } else if (check.getType().equals("exec") && !check.getPort().isEmpty()) {
      problems.add(field(path, "port"), "does not apply to exec checks");
    }
    if (!check.getPath().isEmpty() && !check.getType().equals("http")) {
      problems.add(field(path, "path"), "applies only to http checks");
    } else if (!check.getPath().isEmpty() && !check.getPath().startsWith("/")) {
      problems.add(field(path, "path"), Quoted.of(check.getPath()) + " must start with /");
    }
    if (check.getType().equals("exec") && check.getCommandCount() == 0) {
      problems.add(field(path, "command"), "is required for exec checks");
    } else if (!check.getType().equals("exec") && check.getCommandCount() > 0) {
      problems.add(field(path, "command"), "applies only to exec checks");
    }
    if (check.hasInterval()) {
      problems.requireDuration(field(path, "interval"), check.getInterval());
    }
    if (check.hasTimeout()) {
      problems.requireDuration(field(path, "timeout"), check.getTimeout());
    }
    if (check.hasInitialDelay()) {
      problems.requireDuration(field(path, "initial_delay"), check.getInitialDelay());
    }
    problems.requireNonNegative(field(path, "failure_threshold"), check.getFailureThreshold());
    problems.requireNonNegative(field(path, "success_threshold"), check.getSuccessThreshold());
  }

  private void validateSecurity(Security security, String path) {
    checkCapabilities(security.getCapabilitiesAddList(), field(path, "capabilities_add"));
    checkCapabilities(security.getCapabilitiesDropList(), field(path, "capabilities_drop"));
  }

  private void checkCapabilities(List<String> capabilities, String path) {
    for (int i = 0; i < capabilities.size(); i++) {
      if (!CAPABILITY.matcher(capabilities.get(i)).matches()) {
        problems.add(index(path, i), Quoted.of(capabilities.get(i)) + " is not a capability name (e.g. NET_ADMIN)");
      }
    }
  }

  private void requireOneOf(String path, String value, List<String> allowed) {
    if (value.isEmpty()) {
      problems.add(path, "is required (" + String.join(", ", allowed) + ")");
    } else if (!allowed.contains(value)) {
      problems.add(path, Quoted.of(value) + " is not one of " + String.join(", ", allowed)
          + Suggestions.hint(value, allowed));
    }
  }
}
