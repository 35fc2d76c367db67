package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;

import java.util.List;

/** Counts a job's allocations by state, for `gantry status` and `gantry ps`. */
final class JobSummaries {
    private JobSummaries() {
    }

    static JobSummary of(Job job, List<Allocation> allocations, JobSummary unplaced) {
        JobSummary.Builder s = JobSummary.newBuilder().setDesired(job.getStopped() ? 0 : job.getCount());
        for (Allocation a : allocations) {
            if (a.getDesiredStatus() != DesiredStatus.DESIRED_RUN) continue;
            switch (a.getClientStatus()) {
                case CLIENT_RUNNING -> s.setRunning(s.getRunning() + 1);
                case CLIENT_FAILED, CLIENT_LOST -> s.setFailed(s.getFailed() + 1);
                case CLIENT_COMPLETE -> { }
                default -> s.setPending(s.getPending() + 1);
            }
        }
        if (unplaced != null) s.setUnplaced(unplaced.getUnplaced()).setPlacementFailure(unplaced.getPlacementFailure());
        return s.build();
    }

    /** Allocations worth showing: those meant to run, and stopped ones whose containers have not finished yet. */
    static boolean visible(Allocation a) {
        return a.getDesiredStatus() == DesiredStatus.DESIRED_RUN
                || (a.getClientStatus() != ClientStatus.CLIENT_COMPLETE && a.getClientStatus() != ClientStatus.CLIENT_FAILED
                && a.getClientStatus() != ClientStatus.CLIENT_LOST);
    }
}
