package dev.gantry.scheduler.eval;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.PortRange;
import dev.gantry.scheduler.placement.JobResources;
import dev.gantry.scheduler.placement.NodeSlot;
import dev.gantry.scheduler.placement.NodeTable;
import dev.gantry.scheduler.placement.PlacementEngine;
import dev.gantry.scheduler.placement.PlacementOutcome;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.store.Op;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.gantry.scheduler.testing.Fixtures.dynamicPort;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.scheduler.testing.Fixtures.spread;
import static dev.gantry.scheduler.testing.Fixtures.staticPort;
import static dev.gantry.scheduler.testing.Fixtures.withLabels;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A table kept across evaluations and refreshed from snapshot changes is, before every
 * evaluation, what {@link NodeTable#of} builds from the same snapshot, and places replicas
 * exactly as it would: over random placements (committed or not), status changes, stops,
 * deletions and node changes, on a real state cache.
 */
class NodeTableCacheTest {
    private final Keys keys = new Keys("/gantry/");
    private final PlacementEngine engine = new PlacementEngine();

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void aKeptTableIsAlwaysTheTableOfTheSnapshot(long seed) throws Exception {
        Random random = new Random(seed);
        List<Job> jobs = List.of(job("web", 50, 300, 256, dynamicPort("http")),
                job("api", 50, 500, 512, staticPort("admin", 9090)).toBuilder().addSpread(spread("node.labels.zone")).build(),
                job("batch", 50, 700, 1024));
        try (MemoryStore store = new MemoryStore(); ClusterState state = new ClusterState(store, keys)) {
            state.start().get(5, TimeUnit.SECONDS);
            List<Op> setup = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Node n = withLabels(node("n" + i, 4000, 4096), "zone", "z" + (i % 3)).toBuilder()
                        .setDynamicPorts(PortRange.newBuilder().setLow(20000).setHigh(20004)).build();
                setup.add(Op.put(keys.node(n.getId()), n.toByteArray()));
            }
            write(store, state, setup);
            NodeTableCache cache = new NodeTableCache();
            int ids = 0;
            for (int step = 0; step < 150; step++) {
                Snapshot s = state.snapshot();
                NodeTable kept = cache.tableFor(s, Evaluator.nodes(s));
                NodeTable fresh = Evaluator.table(Evaluator.nodes(s), s);
                assertSameUsage(kept, fresh, s, "seed " + seed + " step " + step);

                List<Allocation> allocs = List.copyOf(s.allocations().values().stream().map(Versioned::value).toList());
                int action = random.nextInt(10);
                if (action < 5 || allocs.isEmpty()) {
                    // An evaluation places a replica: both tables must agree; commit it, or not.
                    Job j = jobs.get(random.nextInt(jobs.size()));
                    PlacementOutcome a = engine.place(j, "", kept);
                    PlacementOutcome b = engine.place(j, "", fresh);
                    assertThat(a.nodeId()).isEqualTo(b.nodeId());
                    assertThat(a.ports()).isEqualTo(b.ports());
                    if (!a.placed()) continue;
                    if (action == 0) {
                        cache.invalidate();   // the commit failed
                        continue;
                    }
                    Allocation placed = Allocation.newBuilder().setId("a" + ids++).setNamespace(j.getNamespace())
                            .setJob(j.getName()).setIndex(ids).setNodeId(a.nodeId().get())
                            .setDesiredStatus(DesiredStatus.DESIRED_RUN).setClientStatus(ClientStatus.CLIENT_PENDING)
                            .addAllPorts(a.ports()).setResources(JobResources.of(j)).build();
                    write(store, state, List.of(Op.put(keys.allocation(placed.getId()), placed.toByteArray())));
                } else if (action < 8) {
                    Allocation a = allocs.get(random.nextInt(allocs.size()));
                    Allocation.Builder b = a.toBuilder();
                    switch (random.nextInt(3)) {
                        case 0 -> b.setClientStatus(ClientStatus.CLIENT_RUNNING);
                        case 1 -> b.setDesiredStatus(DesiredStatus.DESIRED_STOP);
                        default -> b.setDesiredStatus(DesiredStatus.DESIRED_STOP).setClientStatus(ClientStatus.CLIENT_COMPLETE);
                    }
                    write(store, state, List.of(Op.put(keys.allocation(a.getId()), b.build().toByteArray())));
                } else if (action == 8) {
                    Allocation a = allocs.get(random.nextInt(allocs.size()));
                    write(store, state, List.of(Op.delete(keys.allocation(a.getId()))));
                } else {
                    String id = "n" + random.nextInt(6);
                    Node n = s.nodes().get(id).value();
                    n = n.toBuilder().setEligible(!n.getEligible()).build();
                    write(store, state, List.of(Op.put(keys.node(id), n.toByteArray())));
                }
            }
        }
    }

    private static void write(MemoryStore store, ClusterState state, List<Op> ops) throws Exception {
        long rev = store.txn(List.of(), ops, List.of()).get(5, TimeUnit.SECONDS).revision();
        state.awaitRevision(rev).get(5, TimeUnit.SECONDS);
    }

    private static void assertSameUsage(NodeTable kept, NodeTable fresh, Snapshot s, String where) {
        assertThat(kept.size()).as(where).isEqualTo(fresh.size());
        for (NodeSlot f : fresh.slots()) {
            NodeSlot k = kept.slot(f.id());
            assertThat(k).as(where).isNotNull();
            assertThat(k.cpuFree()).as(where + " cpu of " + f.id()).isEqualTo(f.cpuFree());
            assertThat(k.memoryFree()).as(where + " memory of " + f.id()).isEqualTo(f.memoryFree());
            assertThat(k.diskFree()).as(where + " disk of " + f.id()).isEqualTo(f.diskFree());
            assertThat(k.usedPorts()).as(where + " ports of " + f.id()).isEqualTo(f.usedPorts());
            for (String job : List.of("default/web", "default/api", "default/batch")) {
                assertThat(k.allocationsOf(job)).as(where + " " + job + " on " + f.id()).isEqualTo(f.allocationsOf(job));
            }
        }
    }
}
