package dev.gantry.api.spec;

import static dev.gantry.api.spec.FieldPath.field;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobType;
import dev.gantry.api.v1.Network;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.UpdateStrategy;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates a {@link Job} as received: the scheduler cannot trust clients, so this checks the
 * proto, not YAML, and reports every problem with the YAML field path. Run it on
 * {@code JobDefaults.apply(job)}: it expects the defaults to be filled (priority, weights).
 * Pure and thread-safe.
 */
public final class JobValidator {
  public static final int MAX_COUNT = 10_000;
  private static final Pattern COUNT_OR_PERCENT = Pattern.compile("(\\d{1,9})(%?)");

  private JobValidator() {}

  public static List<FieldError> validate(Job job) {
    Problems problems = new Problems();
    problems.requireDnsLabel("namespace", job.getNamespace());
    problems.requireDnsLabel("name", job.getName());
    if (job.getType() == JobType.UNRECOGNIZED) {
      problems.add("type", "unknown job type " + job.getTypeValue());
    }
    if (job.getNetwork().getMode() == Network.Mode.UNRECOGNIZED) {
      problems.add("network.mode", "unknown network mode " + job.getNetwork().getModeValue());
    }
    if (job.getCount() < 0 || job.getCount() > MAX_COUNT) {
      problems.add("count", "must be between 0 and " + MAX_COUNT + ", got " + job.getCount());
    }
    if (job.getPriority() < 1 || job.getPriority() > 100) {
      problems.add("priority", "must be between 1 and 100, got " + job.getPriority());
    }
    if (job.hasRestart()) {
      validateRestart(job.getRestart(), problems);
    }
    if (job.getTasksCount() == 0) {
      problems.add("tasks", "at least one task is required");
    }
    new TaskValidator(job, problems).validateAll();
    PlacementValidator.validate(job, problems);
    if (job.hasUpdate()) {
      validateUpdate(job.getUpdate(), problems);
    }
    return problems.list();
  }

  private static void validateRestart(RestartPolicy restart, Problems problems) {
    if (restart.getMode() == RestartPolicy.Mode.UNRECOGNIZED) {
      problems.add("restart.policy", "unknown restart policy " + restart.getModeValue());
    }
    problems.requireNonNegative("restart.attempts", restart.getAttempts());
    if (restart.hasInterval()) {
      problems.requireDuration("restart.interval", restart.getInterval());
    }
    if (restart.hasDelay()) {
      problems.requireDuration("restart.delay", restart.getDelay());
    }
  }

  private static void validateUpdate(UpdateStrategy update, Problems problems) {
    Integer surge = countOrPercent("update.max_surge", update.getMaxSurge(), problems);
    Integer unavailable = countOrPercent("update.max_unavailable", update.getMaxUnavailable(), problems);
    if (surge != null && surge == 0 && unavailable != null && unavailable == 0) {
      // Nothing may be added and nothing taken away: a rollout could never progress.
      problems.add("update.max_unavailable", "must not be 0 when max_surge is 0");
    }
    requireDuration(update.hasMinHealthyTime(), update.getMinHealthyTime(), "min_healthy_time", problems);
    requireDuration(update.hasHealthyDeadline(), update.getHealthyDeadline(), "healthy_deadline", problems);
    requireDuration(update.hasProgressDeadline(), update.getProgressDeadline(), "progress_deadline", problems);
    requireDuration(update.hasStagger(), update.getStagger(), "stagger", problems);
    // A replica must be able to become healthy before the deadlines that judge it.
    requireShorter(update.hasMinHealthyTime(), update.getMinHealthyTime(), "min_healthy_time",
        update.hasHealthyDeadline(), update.getHealthyDeadline(), "healthy_deadline", problems);
    requireShorter(update.hasHealthyDeadline(), update.getHealthyDeadline(), "healthy_deadline",
        update.hasProgressDeadline(), update.getProgressDeadline(), "progress_deadline", problems);
    problems.requireNonNegative("update.canary", update.getCanary());
    if (update.getAutoPromote() && update.getCanary() <= 0) {
      problems.add("update.auto_promote", "needs canary > 0: there is nothing to promote");
    }
  }

  private static void requireDuration(boolean present, Duration d, String name, Problems problems) {
    if (present) {
      problems.requireDuration(field("update", name), d);
    }
  }

  private static void requireShorter(boolean hasShort, Duration shorter, String shortName,
      boolean hasLong, Duration longer, String longName, Problems problems) {
    if (hasShort && hasLong && isUsable(shorter) && isUsable(longer)
        && Durations.compare(shorter, longer) >= 0) {
      problems.add(field("update", longName), "must be longer than " + shortName + " ("
          + Quantities.formatDuration(longer) + " <= " + Quantities.formatDuration(shorter) + ")");
    }
  }

  /** The count (or percentage) written, null when empty (the default) or malformed. */
  private static Integer countOrPercent(String path, String value, Problems problems) {
    if (value.isEmpty()) {
      return null;
    }
    Matcher m = COUNT_OR_PERCENT.matcher(value);
    if (!m.matches() || (!m.group(2).isEmpty() && Integer.parseInt(m.group(1)) > 100)) {
      problems.add(path, Quoted.of(value) + " is not a count or a percentage (e.g. 1, 25%)");
      return null;
    }
    return Integer.parseInt(m.group(1));
  }

  private static boolean isUsable(Duration d) {
    return Durations.isValid(d) && !Durations.isNegative(d);
  }
}
