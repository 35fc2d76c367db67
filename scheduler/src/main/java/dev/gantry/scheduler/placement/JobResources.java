package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Resources;

/** What one replica of a job needs: the sum over its tasks, since they run together on one node. */
public final class JobResources {
    private JobResources() {
    }

    public static long cpu(Job job) {
        return job.getTasksList().stream().mapToLong(t -> t.getResources().getCpuMillis()).sum();
    }

    public static long memory(Job job) {
        return job.getTasksList().stream().mapToLong(t -> t.getResources().getMemoryBytes()).sum();
    }

    public static long disk(Job job) {
        return job.getTasksList().stream().mapToLong(t -> t.getResources().getDiskBytes()).sum();
    }

    public static Resources of(Job job) {
        return Resources.newBuilder().setCpuMillis(cpu(job)).setMemoryBytes(memory(job)).setDiskBytes(disk(job)).build();
    }
}
