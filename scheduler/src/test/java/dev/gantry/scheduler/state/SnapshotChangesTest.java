package dev.gantry.scheduler.state;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.store.Op;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

/** Snapshots of one cache share what did not change, index allocations, and tell what changed between them. */
class SnapshotChangesTest {
    private final Keys keys = new Keys("/gantry/");
    private final MemoryStore store = new MemoryStore();
    private final ClusterState state = new ClusterState(store, keys);
    private final Job web = job("web", 2, 100, 64);
    private final Job db = job("db", 1, 100, 64);

    @AfterEach
    void close() {
        state.close();
        store.close();
    }

    private Snapshot write(Op... ops) throws Exception {
        long rev = store.txn(List.of(), List.of(ops), List.of()).get(5, TimeUnit.SECONDS).revision();
        state.awaitRevision(rev).get(5, TimeUnit.SECONDS);
        return state.snapshot();
    }

    private Op put(Allocation a) {
        return Op.put(keys.allocation(a.getId()), a.toByteArray());
    }

    @Test
    void indexesAllocationsByJobAndNodeAndReportsWhatChanged() throws Exception {
        state.start().get(5, TimeUnit.SECONDS);
        Snapshot s0 = write(Op.put(keys.node("n1"), node("n1", 4000, 4096).toByteArray()),
                Op.put(keys.node("n2"), node("n2", 4000, 4096).toByteArray()),
                Op.put(keys.job("default", "web"), web.toByteArray()), Op.put(keys.job("default", "db"), db.toByteArray()));
        Snapshot s1 = write(put(alloc("a1", web, 0, "n1", ClientStatus.CLIENT_PENDING)),
                put(alloc("a2", web, 1, "n2", ClientStatus.CLIENT_PENDING)), put(alloc("d1", db, 0, "n1", ClientStatus.CLIENT_PENDING)));

        assertThat(s1.allocationsOf("default", "web")).extracting(Allocation::getId).containsExactlyInAnyOrder("a1", "a2");
        assertThat(s1.allocationsOn("n1")).extracting(Allocation::getId).containsExactlyInAnyOrder("a1", "d1");
        assertThat(s1.jobsWithAllocations()).containsExactlyInAnyOrder("default/web", "default/db");
        assertThat(s1.changedJobs(s0)).containsExactlyInAnyOrder("default/web", "default/db");
        assertThat(s1.nodesWithChangedAllocations(s0)).containsExactlyInAnyOrder("n1", "n2");
        assertThat(s1.changedNodes(s0)).isEmpty();

        // A status report on one allocation: only its job and its node changed; the rest is shared.
        Snapshot s2 = write(put(alloc("a2", web, 1, "n2", ClientStatus.CLIENT_RUNNING)));
        assertThat(s2.changedJobs(s1)).containsExactly("default/web");
        assertThat(s2.nodesWithChangedAllocations(s1)).containsExactly("n2");
        assertThat(s2.allocationsOnNode("n1")).isSameAs(s1.allocationsOnNode("n1"));
        assertThat(s2.allocationsOfJob("default/db")).isSameAs(s1.allocationsOfJob("default/db"));
        assertThat(s1.allocationsOn("n2").get(0).getClientStatus()).as("an earlier snapshot never changes")
                .isEqualTo(ClientStatus.CLIENT_PENDING);

        // Moving to another node, deleting, and the other records a job evaluation reads.
        Snapshot s3 = write(put(alloc("a1", web, 0, "n2", ClientStatus.CLIENT_PENDING)), Op.delete(keys.allocation("d1")),
                Op.put(keys.unplaced("default", "db"), JobSummary.newBuilder().setUnplaced(1).build().toByteArray()));
        assertThat(s3.allocationsOn("n1")).isEmpty();
        assertThat(s3.allocationsOn("n2")).extracting(Allocation::getId).containsExactlyInAnyOrder("a1", "a2");
        assertThat(s3.jobsWithAllocations()).containsExactly("default/web");
        assertThat(s3.nodesWithChangedAllocations(s2)).containsExactlyInAnyOrder("n1", "n2");
        assertThat(s3.changedJobs(s2)).containsExactlyInAnyOrder("default/web", "default/db");

        Snapshot s4 = write(Op.put(keys.node("n2"), node("n2", 8000, 4096).toByteArray()));
        assertThat(s4.changedNodes(s3)).containsExactly("n2");
        assertThat(s4.changedJobs(s3)).isEmpty();
        assertThat(s4.changedJobRecords(s3)).isEmpty();
    }

    @Test
    void snapshotsBuiltFromPlainMapsIndexAndCompareToo() {
        Allocation a = alloc("a1", web, 0, "n1", ClientStatus.CLIENT_PENDING);
        Snapshot plain = new Snapshot(1, Map.of("default/web", new Versioned<>(web, 1)),
                Map.of("a1", new Versioned<>(a, 2)), Map.of(), Map.of());
        Snapshot empty = new Snapshot(0, Map.of(), Map.of(), Map.of(), Map.of());
        assertThat(plain.allocationsOn("n1")).containsExactly(a);
        assertThat(plain.allocationsOf("default", "web")).containsExactly(a);
        assertThat(plain.changedJobs(empty)).containsExactly("default/web");
        assertThat(plain.nodesWithChangedAllocations(empty)).containsExactly("n1");
        assertThat(empty.changedJobs(plain)).containsExactly("default/web");
    }
}
