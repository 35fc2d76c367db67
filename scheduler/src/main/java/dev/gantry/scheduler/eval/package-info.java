/** Evaluation: turns a cluster snapshot into store transactions (reconcile + placement), and the loop that commits them. */
package dev.gantry.scheduler.eval;
