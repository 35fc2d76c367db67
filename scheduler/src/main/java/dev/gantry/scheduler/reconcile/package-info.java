/** Reconcile: compares a job's desired state with its allocations and decides what to place and what to stop. Pure, no I/O. */
package dev.gantry.scheduler.reconcile;
