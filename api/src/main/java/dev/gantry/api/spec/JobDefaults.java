package dev.gantry.api.spec;

import com.google.protobuf.Duration;
import dev.gantry.api.v1.Affinity;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobType;
import dev.gantry.api.v1.Network;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.Task;

/**
 * The defaults the scheduler fills into a submitted job, in one place so that the CLI
 * ({@code gantry plan}) and the scheduler agree. Idempotent: {@code apply(apply(j)) ==
 * apply(j)}; a value that is set is never changed. {@code count} has no default here: in
 * proto3 an explicit 0 (stop all replicas) cannot be told from an absent count.
 */
public final class JobDefaults {
  public static final String NAMESPACE = "default";
  public static final int PRIORITY = 50;
  public static final RestartPolicy.Mode RESTART_MODE = RestartPolicy.Mode.ON_FAILURE;
  public static final int RESTART_ATTEMPTS = 3;
  public static final Duration RESTART_INTERVAL = Duration.newBuilder().setSeconds(300).build();
  public static final Duration RESTART_DELAY = Duration.newBuilder().setSeconds(2).build();
  public static final String STOP_SIGNAL = "SIGTERM";
  public static final Duration STOP_GRACE = Duration.newBuilder().setSeconds(10).build();
  public static final long CPU_MILLIS = 100;
  public static final long MEMORY_BYTES = 128L << 20;
  public static final int AFFINITY_WEIGHT = 50;
  /**
   * The network mode of a job that names none. Not written into the job (so existing jobs keep
   * their template hash and this default can change): read it through {@link #networkMode}.
   */
  public static final Network.Mode NETWORK_MODE = Network.Mode.HOST;

  private JobDefaults() {}

  public static Job apply(Job job) {
    Job.Builder out = job.toBuilder();
    if (out.getNamespace().isEmpty()) {
      out.setNamespace(NAMESPACE);
    }
    if (out.getType() == JobType.JOB_TYPE_UNSPECIFIED) {
      out.setType(JobType.SERVICE);
    }
    if (out.getPriority() == 0) {
      out.setPriority(PRIORITY);
    }
    if (out.getRestart().getMode() == RestartPolicy.Mode.MODE_UNSPECIFIED) {
      out.getRestartBuilder().setMode(RESTART_MODE);
    }
    // proto3 cannot tell an absent attempts from 0: 0 with neither interval nor delay set
    // means "not written", and gets the default; write an interval to ask for no restarts.
    RestartPolicy.Builder restart = out.getRestartBuilder();
    if (restart.getAttempts() == 0 && !restart.hasInterval() && !restart.hasDelay()) {
      restart.setAttempts(RESTART_ATTEMPTS);
    }
    if (!restart.hasInterval()) {
      restart.setInterval(RESTART_INTERVAL);
    }
    if (!restart.hasDelay()) {
      restart.setDelay(RESTART_DELAY);
    }
    for (Task.Builder task : out.getTasksBuilderList()) {
      applyToTask(task);
    }
    for (Affinity.Builder affinity : out.getAffinitiesBuilderList()) {
      if (affinity.getWeight() == 0) {
        affinity.setWeight(AFFINITY_WEIGHT);
      }
    }
    return out.build();
  }

  /** The mode the job's replicas run in: its own, else {@link #NETWORK_MODE}. */
  public static Network.Mode networkMode(Job job) {
    Network.Mode mode = job.getNetwork().getMode();
    return mode == Network.Mode.MODE_UNSPECIFIED || mode == Network.Mode.UNRECOGNIZED ? NETWORK_MODE : mode;
  }

  private static void applyToTask(Task.Builder task) {
    if (task.getStopSignal().isEmpty()) {
      task.setStopSignal(STOP_SIGNAL);
    }
    if (!task.hasStopGrace()) {
      task.setStopGrace(STOP_GRACE);
    }
    // Per field: `resources: {cpu: 2}` still gets the default memory limit.
    if (task.getResources().getCpuMillis() == 0) {
      task.getResourcesBuilder().setCpuMillis(CPU_MILLIS);
    }
    if (task.getResources().getMemoryBytes() == 0) {
      task.getResourcesBuilder().setMemoryBytes(MEMORY_BYTES);
    }
  }
}
