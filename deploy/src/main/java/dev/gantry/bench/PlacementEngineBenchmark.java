package dev.gantry.bench;

import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.Spread;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.placement.NodeTable;
import dev.gantry.scheduler.placement.PlacementEngine;
import dev.gantry.scheduler.placement.PlacementOutcome;
import dev.gantry.scheduler.placement.PlacementSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The placement engine alone, no I/O: 5,000 nodes of mixed sizes labelled with zone, rack and
 * disk type, and 1,000 jobs of 100 replicas (100,000 placements) through one table per round:
 * a third of the jobs with constraints, a third with spread over zones, a third plain.
 * Prints placements per second for each round; the first rounds warm the JIT.
 *
 * <p>Usage: {@code PlacementEngineBenchmark [nodes] [jobs] [replicas] [rounds]}. Inputs come from
 * a fixed seed, so every run places the same work.
 */
public final class PlacementEngineBenchmark {
    private static final String[] ZONES = {"eu-1", "eu-2", "us-1", "us-2"};

    private PlacementEngineBenchmark() {
    }

    public static void main(String[] args) {
        int nodeCount = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int jobCount = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int replicas = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Random random = new Random(42);
        List<Node> nodes = nodes(nodeCount, random);
        List<Job> jobs = jobs(jobCount, replicas, random);
        PlacementEngine engine = new PlacementEngine(PlacementSettings.defaults());
        System.out.printf("placement engine alone: %,d nodes, %,d jobs x %d replicas, %d rounds, %d cpus%n",
                nodeCount, jobCount, replicas, rounds, Runtime.getRuntime().availableProcessors());

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
            System.out.printf("round %d: %,d placed, %,d unplaced in %,d ms (table built in %,d ms): %,.0f placements/s%s%n",
                    round, placed, unplaced, (t2 - t1) / 1_000_000, (t1 - t0) / 1_000_000, perSecond,
                    unplaced > 0 ? " (last failure: " + lastFailure + ")" : "");
        }
        System.out.printf("best: %,.0f placements/s (target >= 100,000)%n", best);
    }

    /** Small (4 cores, 8 GiB), medium (16, 64 GiB) and large (64, 256 GiB) nodes. */
    private static List<Node> nodes(int count, Random random) {
        List<Node> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int size = random.nextInt(10);
            long cpu = size < 5 ? 4_000 : size < 9 ? 16_000 : 64_000;
            long memoryGi = size < 5 ? 8 : size < 9 ? 64 : 256;
            String id = String.format("node-%05d", i);
            nodes.add(Node.newBuilder().setId(id).setName(id).setStatus(NodeStatus.NODE_READY).setEligible(true)
                    .addDrivers("runc")
                    .setCapacity(Resources.newBuilder().setCpuMillis(cpu).setMemoryBytes(memoryGi << 30))
                    .putLabels("zone", ZONES[i % ZONES.length])
                    .putLabels("rack", "r" + (i / 4 % 50))
                    .putLabels("disk", random.nextInt(3) == 0 ? "hdd" : "ssd")
                    .putAttributes("os.arch", "amd64")
                    .putAttributes("kernel.version", random.nextBoolean() ? "6.1.0" : "5.10.0")
                    .build());
        }
        return nodes;
    }

    private static List<Job> jobs(int count, int replicas, Random random) {
        List<Job> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Task.Builder task = Task.newBuilder().setName("main").setDriver("runc").setImage("file:/img.tar")
                    .setResources(Resources.newBuilder().setCpuMillis(50 + random.nextInt(4) * 50)
                            .setMemoryBytes((64L + random.nextInt(4) * 64) << 20));
            if (i % 2 == 0) task.addPorts(Port.newBuilder().setName("http"));
            Job.Builder job = Job.newBuilder().setNamespace("bench").setName("job-" + i).setCount(replicas).setVersion(1)
                    .addTasks(task);
            switch (i % 3) {
                case 0 -> job.addConstraints(constraint(i));
                case 1 -> job.addSpread(i % 2 == 0
                        ? Spread.newBuilder().setAttribute("node.labels.zone").build()
                        : Spread.newBuilder().setAttribute("node.labels.zone").putTargets("eu-1", "50%").putTargets("eu-2", "30%").build());
                default -> { }
            }
            jobs.add(job.build());
        }
        return jobs;
    }

    private static Constraint constraint(int i) {
        return switch (i / 3 % 4) {
            case 0 -> Constraint.newBuilder().setAttribute("node.labels.zone").setOperator("in").addValues("eu-1").addValues("eu-2").build();
            case 1 -> Constraint.newBuilder().setAttribute("node.labels.disk").setOperator("=").setValue("ssd").build();
            case 2 -> Constraint.newBuilder().setAttribute("node.kernel.version").setOperator("version").setValue(">= 6.0").build();
            default -> Constraint.newBuilder().setAttribute("node.labels.rack").setOperator("regexp").setValue("^r[0-2]").build();
        };
    }
}
