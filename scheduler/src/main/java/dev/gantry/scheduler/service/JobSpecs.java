package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Job;

/** The part of a job that the operator wrote, without what the scheduler sets, to tell whether a submit changes anything. */
final class JobSpecs {
    private JobSpecs() {
    }

    static Job withoutServerFields(Job job) {
        return job.toBuilder().clearVersion().clearStopped().clearSubmitTime().build();
    }
}
