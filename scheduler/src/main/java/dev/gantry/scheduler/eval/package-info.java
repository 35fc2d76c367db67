/** Evaluation: turns a cluster snapshot into store transactions (reconcile + placement), and the loop that commits them in batches. */
package dev.gantry.scheduler.eval;
