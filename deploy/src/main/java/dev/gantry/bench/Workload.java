package dev.gantry.bench;

import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.PortRange;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.Spread;
import dev.gantry.api.v1.Task;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The issue-4 cluster and jobs, from a fixed seed so that every run places the same work.
 * Nodes: small (4 cores, 8 GiB, half of them), medium (16 cores, 64 GiB, 40%) and large
 * (64 cores, 256 GiB, 10%), labelled {@code zone} (4 zones), {@code rack} (50 racks) and
 * {@code disk} (ssd or hdd), with an {@code os.arch} and a {@code kernel.version} attribute.
 * Jobs: a third with a hard constraint (zone in, disk =, kernel version, rack regexp), a third
 * with spread over zones (even, or with targets), a third plain; every other job asks for a
 * dynamic port.
 */
final class Workload {
    static final String[] ZONES = {"eu-1", "eu-2", "us-1", "us-2"};

    /** Per-replica resources: {@code NORMAL} for scenario A, {@code TINY} so that a million fit on 5,000 nodes. */
    enum Size { NORMAL, TINY }

    private Workload() {
    }

    static List<Node> nodes(int count, long seed) {
        Random random = new Random(seed);
        List<Node> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int size = random.nextInt(10);
            long cpu = size < 5 ? 4_000 : size < 9 ? 16_000 : 64_000;
            long memoryGi = size < 5 ? 8 : size < 9 ? 64 : 256;
            String id = String.format("node-%05d", i);
            nodes.add(Node.newBuilder().setId(id).setName(id).setAddress("10.0." + (i / 250) + "." + (i % 250) + ":7422")
                    .setStatus(NodeStatus.NODE_READY).setEligible(true)
                    .addDrivers("runc")
                    .setCapacity(Resources.newBuilder().setCpuMillis(cpu).setMemoryBytes(memoryGi << 30).setDiskBytes(500L << 30))
                    .setDynamicPorts(PortRange.newBuilder().setLow(20000).setHigh(32000))
                    .putLabels("zone", ZONES[i % ZONES.length])
                    .putLabels("rack", "r" + (i / 4 % 50))
                    .putLabels("disk", random.nextInt(3) == 0 ? "hdd" : "ssd")
                    .putAttributes("os.arch", "amd64")
                    .putAttributes("kernel.version", random.nextBoolean() ? "6.1.0" : "5.10.0")
                    .build());
        }
        return nodes;
    }

    static List<Job> jobs(int count, int replicas, Size size, long seed) {
        Random random = new Random(seed);
        List<Job> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long cpu = size == Size.NORMAL ? 50 + random.nextInt(4) * 50 : 5 + random.nextInt(4) * 5;
            long memoryMi = size == Size.NORMAL ? 64L + random.nextInt(4) * 64 : 8L + random.nextInt(4) * 8;
            Task.Builder task = Task.newBuilder().setName("main").setDriver("runc").setImage("file:/srv/images/app.tar")
                    .setResources(Resources.newBuilder().setCpuMillis(cpu).setMemoryBytes(memoryMi << 20));
            if (i % 2 == 0) task.addPorts(Port.newBuilder().setName("http"));
            Job.Builder job = Job.newBuilder().setNamespace("bench").setName("job-" + i).setCount(replicas).addTasks(task);
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
