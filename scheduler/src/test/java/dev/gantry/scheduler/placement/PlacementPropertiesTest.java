package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.PortRange;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.Spread;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.testing.Fixtures;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariants over random clusters and jobs: replicas placed one after another through one
 * table never overcommit a node, never reuse a port on a node, never break a hard constraint,
 * distinct_hosts or a distinct_property limit, are placed whenever some node could take them,
 * and are deterministic.
 */
class PlacementPropertiesTest {

    record Cluster(List<Node> nodes, List<Allocation> existing) {
    }

    record Scenario(Cluster cluster, List<Job> jobs, PlacementSettings settings) {
    }

    /** One replica's fate: the node (or null) and its ports. */
    record Placed(String job, String node, List<AllocatedPort> ports) {
    }

    @Property(tries = 300)
    void placementsKeepEveryHardRule(@ForAll("scenarios") Scenario s) {
        PlacementOracle oracle = new PlacementOracle(s.cluster().nodes());
        s.cluster().existing().forEach(a -> oracle.add(a.getNodeId(), a.getNamespace() + "/" + a.getJob(),
                a.getResources().getCpuMillis(), a.getResources().getMemoryBytes(), a.getPortsList()));
        NodeTable table = NodeTable.of(s.cluster().nodes(), s.cluster().existing());
        PlacementEngine engine = new PlacementEngine(s.settings());
        for (Job job : s.jobs()) {
            for (int i = 0; i < job.getCount(); i++) {
                PlacementOutcome o = engine.place(job, "", table);
                if (!o.placed()) {
                    assertThat(oracle.anyFeasible(job)).as("a node could take %s: %s", job.getName(), o.explain()).isFalse();
                    assertThat(o.failures().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(s.cluster().nodes().size());
                    continue;
                }
                String node = o.nodeId().get();
                assertThat(oracle.violation(job, node)).as("%s on %s", job.getName(), node).isNull();
                assertPortsAsAsked(job, o.ports(), table.slot(node));
                oracle.add(node, job.getNamespace() + "/" + job.getName(), JobResources.cpu(job), JobResources.memory(job), o.ports());
            }
        }
    }

    @Property(tries = 100)
    void theSameInputsGiveTheSamePlacements(@ForAll("scenarios") Scenario s) {
        assertThat(placeAll(s)).isEqualTo(placeAll(s));
    }

    private static List<Placed> placeAll(Scenario s) {
        NodeTable table = NodeTable.of(s.cluster().nodes(), s.cluster().existing());
        PlacementEngine engine = new PlacementEngine(s.settings());
        List<Placed> out = new ArrayList<>();
        for (Job job : s.jobs()) {
            for (int i = 0; i < job.getCount(); i++) {
                PlacementOutcome o = engine.place(job, i % 2 == 0 ? "" : "n1", table);
                out.add(new Placed(job.getName(), o.nodeId().orElse(null), o.ports()));
            }
        }
        return out;
    }

    private static void assertPortsAsAsked(Job job, List<AllocatedPort> ports, NodeSlot node) {
        List<Port> asked = job.getTasksList().stream().flatMap(t -> t.getPortsList().stream()).toList();
        assertThat(ports).hasSameSizeAs(asked);
        for (int i = 0; i < asked.size(); i++) {
            int value = ports.get(i).getValue();
            if (asked.get(i).getStatic() > 0) assertThat(value).isEqualTo(asked.get(i).getStatic());
            else assertThat(value).isBetween(node.portLow, node.portHigh);
        }
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<PlacementSettings> settings = Arbitraries.of(
                PlacementSettings.defaults(),
                PlacementSettings.exhaustive(CapacityScoring.BIN_PACK),
                PlacementSettings.exhaustive(CapacityScoring.SPREAD),
                new PlacementSettings(CapacityScoring.BIN_PACK, 1, 2));
        return Combinators.combine(clusters(), jobs().list().ofMinSize(1).ofMaxSize(4), settings)
                .as((c, jobs, st) -> {
                    List<Job> named = new ArrayList<>();
                    for (int i = 0; i < jobs.size(); i++) named.add(jobs.get(i).toBuilder().setName("j" + i).build());
                    return new Scenario(c, named, st);
                });
    }

    private Arbitrary<Cluster> clusters() {
        return nodes().list().ofMinSize(1).ofMaxSize(8).map(list -> {
            List<Node> nodes = new ArrayList<>();
            List<Allocation> existing = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Node n = list.get(i).toBuilder().setId("n" + i).setName("n" + i).build();
                nodes.add(n);
                // Every third node already runs something that holds half its capacity and port 8080.
                if (i % 3 == 2) {
                    Job old = Fixtures.job("old" + i, 1, n.getCapacity().getCpuMillis() / 2, 0);
                    existing.add(Fixtures.alloc("a" + i, old, 0, n.getId(), ClientStatus.CLIENT_RUNNING).toBuilder()
                            .setResources(Resources.newBuilder().setCpuMillis(n.getCapacity().getCpuMillis() / 2)
                                    .setMemoryBytes(n.getCapacity().getMemoryBytes() / 2))
                            .addPorts(AllocatedPort.newBuilder().setTask("main").setName("http").setValue(8080)).build());
                }
                // Some nodes already run a replica of the first job: distinct_hosts, distinct_property and spread count it.
                if (i % 4 == 1) {
                    existing.add(Fixtures.alloc("r" + i, Fixtures.job("j0", 1, 0, 0), 0, n.getId(), ClientStatus.CLIENT_RUNNING));
                }
            }
            return new Cluster(nodes, existing);
        });
    }

    private Arbitrary<Node> nodes() {
        Arbitrary<Long> cpu = Arbitraries.longs().between(0, 8).map(c -> c * 500);
        Arbitrary<Long> memory = Arbitraries.longs().between(0, 8).map(m -> m * 512L << 20);
        Arbitrary<String> zone = Arbitraries.of("a", "b", "c").injectNull(0.2);
        Arbitrary<String> disk = Arbitraries.of("ssd", "hdd").injectNull(0.3);
        Arbitrary<String> arch = Arbitraries.of("amd64", "arm64");
        Arbitrary<String> kernel = Arbitraries.of("4.19", "5.10.0", "6.1").injectNull(0.2);
        Arbitrary<Integer> state = Arbitraries.integers().between(0, 9);   // 0: down, 1: cordoned, else ready
        Arbitrary<Integer> portRange = Arbitraries.integers().between(0, 3);
        return Combinators.combine(cpu, memory, zone, disk, arch, kernel, state, portRange)
                .as((c, m, z, d, a, k, st, pr) -> {
                    Node.Builder b = Node.newBuilder().setStatus(st == 0 ? NodeStatus.NODE_DOWN : NodeStatus.NODE_READY)
                            .setEligible(st != 1).addDrivers("runc")
                            .setCapacity(Resources.newBuilder().setCpuMillis(c).setMemoryBytes(m))
                            .setDynamicPorts(PortRange.newBuilder().setLow(30000).setHigh(30000 + pr))
                            .putAttributes("os.arch", a);
                    if (z != null) b.putLabels("zone", z);
                    if (d != null) b.putLabels("disk", d);
                    if (k != null) b.putAttributes("kernel.version", k);
                    return b.build();
                });
    }

    private Arbitrary<Job> jobs() {
        Arbitrary<Integer> count = Arbitraries.integers().between(1, 6);
        Arbitrary<Long> cpu = Arbitraries.longs().between(0, 12).map(c -> c * 250);
        Arbitrary<Long> memory = Arbitraries.longs().between(0, 8).map(m -> m * 256L << 20);
        Arbitrary<List<Integer>> statics = Arbitraries.of(80, 443, 8080, 30001).set().ofMaxSize(2).map(List::copyOf);
        Arbitrary<Integer> dynamic = Arbitraries.integers().between(0, 2);
        Arbitrary<List<Constraint>> constraints = constraints().list().ofMaxSize(2);
        Arbitrary<Boolean> distinct = Arbitraries.of(true, false);
        Arbitrary<Boolean> spread = Arbitraries.of(true, false);
        return Combinators.combine(count, cpu, memory, statics, dynamic, constraints, distinct, spread)
                .as((n, c, m, st, dy, cs, dh, sp) -> {
                    Task.Builder t = Task.newBuilder().setName("main").setDriver("runc")
                            .setResources(Resources.newBuilder().setCpuMillis(c).setMemoryBytes(m));
                    st.forEach(p -> t.addPorts(Port.newBuilder().setName("s" + p).setStatic(p)));
                    for (int i = 0; i < dy; i++) t.addPorts(Port.newBuilder().setName("d" + i));
                    Job.Builder j = Job.newBuilder().setNamespace("default").setName("j").setCount(n).setVersion(1)
                            .addTasks(t).addAllConstraints(cs);
                    if (dh) j.addConstraints(Constraint.newBuilder().setDistinctHosts(true));
                    if (sp) j.addSpread(Spread.newBuilder().setAttribute("node.labels.zone").putTargets("a", "70%"));
                    return j.build();
                });
    }

    private Arbitrary<Constraint> constraints() {
        Arbitrary<Constraint> single = Combinators.combine(
                Arbitraries.of("node.labels.zone", "node.labels.disk", "node.os.arch", "os.arch", "node.name"),
                Arbitraries.of("=", "!=", "regexp"),
                Arbitraries.of("a", "b", "ssd", "amd64", "arm64", "n1", "^n[02]"))
                .as((a, op, v) -> Fixtures.constraint(a, op, v));
        Arbitrary<Constraint> many = Combinators.combine(
                Arbitraries.of("node.labels.zone", "node.labels.disk"),
                Arbitraries.of("in", "not_in"),
                Arbitraries.of("a", "b", "c", "ssd", "hdd").set().ofMinSize(1).ofMaxSize(2))
                .as((a, op, vs) -> Fixtures.constraintIn(a, op, vs.stream().sorted().toArray(String[]::new)));
        Arbitrary<Constraint> set = Combinators.combine(
                Arbitraries.of("node.labels.zone", "node.labels.disk", "kernel.version"),
                Arbitraries.of("is_set", "is_not_set"))
                .as((a, op) -> Fixtures.constraint(a, op, ""));
        Arbitrary<Constraint> version = Arbitraries.of(">= 5", "< 6", ">= 4.20, < 6.1", ">= 6.1")
                .map(v -> Fixtures.constraint("node.kernel.version", "version", v));
        // The limit is random, empty meaning 1; node.name makes it a per-node limit.
        Arbitrary<Constraint> distinctProperty = Combinators.combine(
                Arbitraries.of("node.labels.zone", "node.labels.disk", "node.os.arch", "os.arch", "node.name"),
                Arbitraries.of("", "1", "2", "3"))
                .as((a, limit) -> Fixtures.constraint(a, "distinct_property", limit));
        return Arbitraries.oneOf(single, many, set, version, distinctProperty);
    }
}
