package dev.gantry.api.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobType;
import dev.gantry.api.v1.Network;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.UpdateStrategy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one YAML (or JSON) job spec into a {@link Job}, collecting every problem with its
 * field path; {@link SpecTree} reads the text, {@link MappingReader} the fields. It fills only the defaults that belong to the spec language (namespace
 * {@code default}, type service, count 1, priority 50); the scheduler's defaults are
 * {@link JobDefaults}. Thread-safe.
 */
public final class JobSpecParser {

  /**
   * {@code job} is filled as far as the spec allowed even when there are errors, so a
   * caller can still validate it and report everything at once. {@code readable} is false
   * when the text could not be read as one mapping (a syntax error, an empty document, one
   * nested too deep to read): {@code job} then holds only defaults, and validating it would
   * only add noise.
   */
  public record ParseResult(Job job, List<FieldError> errors, boolean readable) {
    public ParseResult {
      errors = List.copyOf(errors);
    }

    public boolean ok() {
      return errors.isEmpty();
    }
  }

  static final List<String> JOB_FIELDS = List.of("namespace", "name", "type", "count", "priority",
      "restart", "tasks", "constraints", "affinities", "spread", "update", "network");
  static final List<String> NETWORK_FIELDS = List.of("mode");
  static final Map<String, Network.Mode> NETWORK_MODES = orderedMap(
      "bridge", Network.Mode.BRIDGE, "host", Network.Mode.HOST, "none", Network.Mode.NONE);
  static final List<String> RESTART_FIELDS = List.of("policy", "attempts", "interval", "delay");
  static final List<String> UPDATE_FIELDS = List.of("max_surge", "max_unavailable", "min_healthy_time",
      "healthy_deadline", "progress_deadline", "auto_revert", "canary", "auto_promote", "stagger");
  static final Map<String, JobType> JOB_TYPES = orderedMap(
      "service", JobType.SERVICE, "batch", JobType.BATCH, "system", JobType.SYSTEM);
  static final Map<String, RestartPolicy.Mode> RESTART_POLICIES = orderedMap(
      "always", RestartPolicy.Mode.ALWAYS, "on-failure", RestartPolicy.Mode.ON_FAILURE,
      "never", RestartPolicy.Mode.NEVER);

  public ParseResult parse(String yaml) {
    List<FieldError> errors = new ArrayList<>();
    JsonNode root = SpecTree.read(yaml, errors);
    Job.Builder job = Job.newBuilder()
        .setNamespace("default")
        .setType(JobType.SERVICE)
        .setCount(1)
        .setPriority(50);
    Optional<MappingReader> spec = root == null ? Optional.empty() : MappingReader.of(root, "", errors, JOB_FIELDS);
    spec.ifPresent(s -> readJob(s, job));
    return new ParseResult(job.build(), errors, spec.isPresent());
  }

  private static void readJob(MappingReader spec, Job.Builder job) {
    spec.string("namespace").ifPresent(job::setNamespace);
    spec.string("name").ifPresent(job::setName);
    spec.choice("type", JOB_TYPES, "a job type").ifPresent(job::setType);
    spec.int32("count").ifPresent(job::setCount);
    spec.int32("priority").ifPresent(job::setPriority);
    spec.mapping("restart", RESTART_FIELDS).ifPresent(r -> job.setRestart(readRestart(r)));
    spec.eachMapping("tasks", TaskSpecReader.TASK_FIELDS, t -> job.addTasks(TaskSpecReader.read(t)));
    spec.eachMapping("constraints", PlacementSpecReader.CONSTRAINT_FIELDS,
        c -> job.addConstraints(PlacementSpecReader.constraint(c)));
    spec.eachMapping("affinities", PlacementSpecReader.AFFINITY_FIELDS,
        a -> job.addAffinities(PlacementSpecReader.affinity(a)));
    spec.eachMapping("spread", PlacementSpecReader.SPREAD_FIELDS,
        s -> job.addSpread(PlacementSpecReader.spread(s)));
    spec.mapping("update", UPDATE_FIELDS).ifPresent(u -> job.setUpdate(readUpdate(u)));
    spec.mapping("network", NETWORK_FIELDS).ifPresent(n -> job.setNetwork(readNetwork(n)));
  }

  private static Network readNetwork(MappingReader n) {
    Network.Builder out = Network.newBuilder();
    n.choice("mode", NETWORK_MODES, "a network mode").ifPresent(out::setMode);
    return out.build();
  }

  private static RestartPolicy readRestart(MappingReader r) {
    RestartPolicy.Builder out = RestartPolicy.newBuilder();
    r.choice("policy", RESTART_POLICIES, "a restart policy").ifPresent(out::setMode);
    r.int32("attempts").ifPresent(out::setAttempts);
    r.duration("interval").ifPresent(out::setInterval);
    r.duration("delay").ifPresent(out::setDelay);
    return out.build();
  }

  private static UpdateStrategy readUpdate(MappingReader u) {
    UpdateStrategy.Builder out = UpdateStrategy.newBuilder();
    // Counts or percentages, kept as written: 1, "25%".
    u.string("max_surge").ifPresent(out::setMaxSurge);
    u.string("max_unavailable").ifPresent(out::setMaxUnavailable);
    u.duration("min_healthy_time").ifPresent(out::setMinHealthyTime);
    u.duration("healthy_deadline").ifPresent(out::setHealthyDeadline);
    u.duration("progress_deadline").ifPresent(out::setProgressDeadline);
    u.bool("auto_revert").ifPresent(out::setAutoRevert);
    u.int32("canary").ifPresent(out::setCanary);
    u.bool("auto_promote").ifPresent(out::setAutoPromote);
    u.duration("stagger").ifPresent(out::setStagger);
    return out.build();
  }

  @SuppressWarnings("unchecked")
  private static <E> Map<String, E> orderedMap(Object... keysAndValues) {
    Map<String, E> out = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], (E) keysAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(out);
  }
}
