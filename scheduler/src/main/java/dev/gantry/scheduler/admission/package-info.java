/**
 * What a namespace lets its jobs do, checked when a job is submitted: the privileged opt-outs
 * (added capabilities, unconfined seccomp, ...) against the namespace's stored settings.
 */
package dev.gantry.scheduler.admission;
