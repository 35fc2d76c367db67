package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        if (unplaced != null) {
            s.setUnplaced(unplaced.getUnplaced()).setPlacementFailure(unplaced.getPlacementFailure()).setBlocked(unplaced.getBlocked())
                    .setRescheduling(unplaced.getRescheduling()).setLastFailure(unplaced.getLastFailure());
            if (unplaced.hasNextReschedule()) s.setNextReschedule(unplaced.getNextReschedule());
        }
        return s.build();
    }

    /**
     * What `gantry status` lists: the {@link #visible} allocations, and for each replica index
     * that has no running allocation, its newest one that failed (or, a service, completed by
     * itself), so that the cause stays in view while the replacement waits or starts.
     */
    static List<Allocation> shown(List<Allocation> ofJob) {
        Set<Integer> running = new HashSet<>();
        Map<Integer, Allocation> lastFailed = new HashMap<>();
        List<Allocation> out = new ArrayList<>();
        for (Allocation a : ofJob) {
            if (a.getDesiredStatus() == DesiredStatus.DESIRED_RUN && a.getClientStatus() == ClientStatus.CLIENT_RUNNING) {
                running.add(a.getIndex());
            }
            if (visible(a)) {
                out.add(a);
            } else if (a.getClientStatus() == ClientStatus.CLIENT_FAILED || a.hasFailedAt()) {
                lastFailed.merge(a.getIndex(), a, (x, y) -> created(y) > created(x) ? y : x);
            }
        }
        lastFailed.forEach((index, a) -> {
            if (!running.contains(index)) out.add(a);
        });
        return out;
    }

    private static long created(Allocation a) {
        return a.getCreateTime().getSeconds() * 1_000_000_000L + a.getCreateTime().getNanos();
    }

    /** Allocations worth showing: those meant to run, and stopped ones whose containers have not finished yet. */
    static boolean visible(Allocation a) {
        return a.getDesiredStatus() == DesiredStatus.DESIRED_RUN
                || (a.getClientStatus() != ClientStatus.CLIENT_COMPLETE && a.getClientStatus() != ClientStatus.CLIENT_FAILED
                && a.getClientStatus() != ClientStatus.CLIENT_LOST);
    }
}
