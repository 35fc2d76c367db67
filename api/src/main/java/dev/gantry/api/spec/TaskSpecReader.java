package dev.gantry.api.spec;

import dev.gantry.api.v1.Check;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.Security;
import dev.gantry.api.v1.Task;
import java.util.List;

/** Reads one entry of {@code tasks:} and what it contains (resources, ports, checks, security). */
final class TaskSpecReader {
  static final List<String> TASK_FIELDS = List.of("name", "driver", "image", "command", "args", "env",
      "resources", "ports", "checks", "stop_signal", "stop_grace", "shutdown_delay", "working_dir", "security",
      "pull_policy", "image_pull_secret");
  static final List<String> RESOURCE_FIELDS = List.of("cpu", "memory", "disk");
  static final List<String> PORT_FIELDS = List.of("name", "static", "to");
  static final List<String> CHECK_FIELDS = List.of("name", "kind", "type", "port", "path", "command",
      "interval", "timeout", "initial_delay", "failure_threshold", "success_threshold");
  static final List<String> SECURITY_FIELDS = List.of("user", "read_only_rootfs", "capabilities_add",
      "capabilities_drop", "allow_privilege_escalation", "unconfined_seccomp");

  private TaskSpecReader() {}

  static Task read(MappingReader t) {
    Task.Builder task = Task.newBuilder();
    t.string("name").ifPresent(task::setName);
    t.string("driver").ifPresent(task::setDriver);
    t.string("image").ifPresent(task::setImage);
    t.string("pull_policy").ifPresent(task::setPullPolicy);
    t.string("image_pull_secret").ifPresent(task::setImagePullSecret);
    // `command: /app/web` is one argv element, never split on spaces (no shell here).
    task.addAllCommand(t.strings("command", true));
    task.addAllArgs(t.strings("args", false));
    task.putAllEnv(t.stringMap("env"));
    t.mapping("resources", RESOURCE_FIELDS).ifPresent(r -> task.setResources(resources(r)));
    t.eachMapping("ports", PORT_FIELDS, p -> task.addPorts(port(p)));
    t.eachMapping("checks", CHECK_FIELDS, c -> task.addChecks(check(c)));
    t.string("stop_signal").ifPresent(task::setStopSignal);
    t.duration("stop_grace").ifPresent(task::setStopGrace);
    t.duration("shutdown_delay").ifPresent(task::setShutdownDelay);
    t.string("working_dir").ifPresent(task::setWorkingDir);
    t.mapping("security", SECURITY_FIELDS).ifPresent(s -> task.setSecurity(security(s)));
    return task.build();
  }

  private static Resources resources(MappingReader r) {
    Resources.Builder out = Resources.newBuilder();
    r.cpu("cpu").ifPresent(out::setCpuMillis);
    r.size("memory").ifPresent(out::setMemoryBytes);
    r.size("disk").ifPresent(out::setDiskBytes);
    return out.build();
  }

  private static Port port(MappingReader p) {
    Port.Builder out = Port.newBuilder();
    p.string("name").ifPresent(out::setName);
    p.int32("static").ifPresent(out::setStatic);
    p.int32("to").ifPresent(out::setTo);
    return out.build();
  }

  private static Check check(MappingReader c) {
    Check.Builder out = Check.newBuilder();
    c.string("name").ifPresent(out::setName);
    c.string("kind").ifPresent(out::setKind);
    c.string("type").ifPresent(out::setType);
    c.string("port").ifPresent(out::setPort);
    c.string("path").ifPresent(out::setPath);
    out.addAllCommand(c.strings("command", true));
    c.duration("interval").ifPresent(out::setInterval);
    c.duration("timeout").ifPresent(out::setTimeout);
    c.duration("initial_delay").ifPresent(out::setInitialDelay);
    c.int32("failure_threshold").ifPresent(out::setFailureThreshold);
    c.int32("success_threshold").ifPresent(out::setSuccessThreshold);
    return out.build();
  }

  private static Security security(MappingReader s) {
    Security.Builder out = Security.newBuilder();
    s.string("user").ifPresent(out::setUser);
    s.bool("read_only_rootfs").ifPresent(out::setReadOnlyRootfs);
    out.addAllCapabilitiesAdd(s.strings("capabilities_add", false));
    out.addAllCapabilitiesDrop(s.strings("capabilities_drop", false));
    s.bool("allow_privilege_escalation").ifPresent(out::setAllowPrivilegeEscalation);
    s.bool("unconfined_seccomp").ifPresent(out::setUnconfinedSeccomp);
    return out.build();
  }
}
