package dev.gantry.bench;

import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.scheduler.placement.NodeTable;
import dev.gantry.scheduler.placement.PlacementEngine;
import dev.gantry.scheduler.placement.PlacementOutcome;
import dev.gantry.scheduler.placement.PlacementSettings;

import java.util.List;

/**
 * The placement engine alone, no I/O: 5,000 nodes of mixed sizes labelled with zone, rack and
 * disk type, and 1,000 jobs ({@link Workload}) of 100 replicas (100,000 placements) through one table per round:
 * a third of the jobs with constraints, a third with spread over zones, a third plain.
 * Prints placements per second for each round; the first rounds warm the JIT.
 *
 * <p>Usage: {@code PlacementEngineBenchmark [nodes] [jobs] [replicas] [rounds]}. Inputs come from
 * a fixed seed, so every run places the same work.
 */
public final class PlacementEngineBenchmark {
    private PlacementEngineBenchmark() {
    }

    public static void main(String[] args) {
        int nodeCount = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int jobCount = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int replicas = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        List<Node> nodes = Workload.nodes(nodeCount, 42);
        List<Job> jobs = Workload.jobs(jobCount, replicas, Workload.Size.NORMAL, 43);
        System.out.printf("placement engine alone: %,d nodes, %,d jobs x %d replicas, %d rounds, %d cpus%n",
                nodeCount, jobCount, replicas, rounds, Runtime.getRuntime().availableProcessors());
        double best = run(nodes, jobs, rounds, true);
        System.out.printf("best: %,.0f placements/s (target >= 100,000)%n", best);
    }

    /** Places every replica of {@code jobs} through one fresh table per round; returns the best round's placements/s. */
    static double run(List<Node> nodes, List<Job> jobs, int rounds, boolean print) {
        PlacementEngine engine = new PlacementEngine(PlacementSettings.defaults());
        double best = 0;
        for (int round = 1; round <= rounds; round++) {
            long t0 = System.nanoTime();
            NodeTable table = NodeTable.of(nodes, List.of());
            long t1 = System.nanoTime();
            int placed = 0;
            int unplaced = 0;
            String lastFailure = "";
            for (Job job : jobs) {
                for (int r = 0; r < job.getCount(); r++) {
                    PlacementOutcome o = engine.place(job, "", table);
                    if (o.placed()) {
                        placed++;
                    } else {
                        unplaced++;
                        lastFailure = o.explain();
                    }
                }
            }
            long t2 = System.nanoTime();
            double perSecond = (placed + unplaced) / ((t2 - t1) / 1e9);
            best = Math.max(best, perSecond);
            if (print) {
                System.out.printf("round %d: %,d placed, %,d unplaced in %,d ms (table built in %,d ms): %,.0f placements/s%s%n",
                        round, placed, unplaced, (t2 - t1) / 1_000_000, (t1 - t0) / 1_000_000, perSecond,
                        unplaced > 0 ? " (last failure: " + lastFailure + ")" : "");
            }
        }
        return best;
    }
}
