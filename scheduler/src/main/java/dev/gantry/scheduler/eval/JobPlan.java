package dev.gantry.scheduler.eval;

import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;

import java.util.List;

/**
 * The writes one job's evaluation wants, with the compares that make them safe: the job and
 * every allocation it changes must be unchanged since the snapshot, and new allocation keys
 * absent. A failed compare means the world moved; the job is simply evaluated again.
 */
public record JobPlan(String jobKey, List<Compare> compares, List<Op> ops, int placed, int stopped, int unplaced) {
}
