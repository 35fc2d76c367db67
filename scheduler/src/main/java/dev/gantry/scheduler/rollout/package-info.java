/**
 * Rollouts (DESIGN §1: the leader runs them): the update strategy resolved for a job, the
 * health of a replica as a rollout judges it, a job's template hash, and the deployment
 * record that tracks one version's rollout. Pure: time is an argument.
 */
package dev.gantry.scheduler.rollout;
