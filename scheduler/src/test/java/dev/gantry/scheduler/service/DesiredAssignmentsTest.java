package dev.gantry.scheduler.service;

import com.google.protobuf.ByteString;
import dev.gantry.api.desired.DesiredSet;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Secret;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node's desired set built with the memo of its previous set is the set built from scratch,
 * whatever changed in between; unchanged assignments are reused, changed ones rebuilt. An agent
 * sent changes instead rebuilds that same set, and is sent only what changed.
 */
class DesiredAssignmentsTest {
    private final Map<String, Versioned<Job>> jobs = new HashMap<>();
    private final Map<String, Versioned<Allocation>> allocations = new HashMap<>();
    private Map<String, Versioned<Secret>> secrets = Map.of();
    private final DesiredAssignments.Memo memo = new DesiredAssignments.Memo();
    /** An agent that takes changes: sent the whole set first, then changes from its own memo. */
    private final DesiredAssignments.Memo changesMemo = new DesiredAssignments.Memo();
    private final DesiredSet agent = new DesiredSet();
    private DesiredChanges lastChanges;

    private DesiredAllocations pushed() {
        Snapshot s = new Snapshot(1, Map.copyOf(jobs), Map.copyOf(allocations), Map.of(), Map.of());
        DesiredAllocations withMemo = DesiredAssignments.forNode(s, "n1", secrets, memo);
        DesiredAllocations fresh = DesiredAssignments.forNode(s, "n1", secrets);
        assertThat(withMemo).isEqualTo(fresh);
        if (lastChanges == null) {
            agent.replace(DesiredAssignments.forNode(s, "n1", secrets, changesMemo));
            lastChanges = DesiredChanges.getDefaultInstance();
        } else {
            lastChanges = DesiredAssignments.changesForNode(s, "n1", secrets, changesMemo);
            agent.change(lastChanges);
        }
        assertThat(byId(agent.current())).isEqualTo(byId(fresh));
        return withMemo;
    }

    static Map<String, Assignment> byId(DesiredAllocations d) {
        Map<String, Assignment> m = new HashMap<>();
        d.getAssignmentsList().forEach(a -> m.put(a.getAllocation().getId(), a));
        return m;
    }

    private static List<String> upsertedIds(DesiredChanges c) {
        return c.getUpsertedList().stream().map(a -> a.getAllocation().getId()).toList();
    }

    private void put(Job j, long revision) {
        jobs.put(Snapshot.jobKey(j.getNamespace(), j.getName()), new Versioned<>(j, revision));
    }

    private void put(Allocation a) {
        allocations.put(a.getId(), new Versioned<>(a, 1));
    }

    @Test
    void reusesUnchangedAssignmentsAndRebuildsChangedOnes() {
        Job web = job("web", 3, 100, 64).toBuilder()
                .setTasks(0, job("web", 3, 100, 64).getTasks(0).toBuilder().setImagePullSecret("regcred")).build();
        put(web, 1);
        put(alloc("a1", web, 0, "n1", ClientStatus.CLIENT_PENDING));
        put(alloc("a2", web, 1, "n1", ClientStatus.CLIENT_RUNNING));
        put(alloc("elsewhere", web, 2, "n2", ClientStatus.CLIENT_RUNNING));
        DesiredAllocations first = pushed();
        assertThat(first.getAssignmentsList()).extracting(a -> a.getAllocation().getId()).containsExactly("a1", "a2");

        // a1 is told to stop, a3 arrives: a2's assignment is the very same object as before.
        put(alloc("a1", web, 0, "n1", ClientStatus.CLIENT_RUNNING).toBuilder().setDesiredStatus(DesiredStatus.DESIRED_STOP).build());
        put(alloc("a3", web, 2, "n1", ClientStatus.CLIENT_PENDING));
        DesiredAllocations second = pushed();
        assertThat(second.getAssignmentsList()).extracting(a -> a.getAllocation().getId()).containsExactly("a1", "a2", "a3");
        assertThat(second.getAssignments(0).getAllocation().getDesiredStatus()).isEqualTo(DesiredStatus.DESIRED_STOP);
        assertThat(second.getAssignments(1)).isSameAs(first.getAssignments(1));
        assertThat(upsertedIds(lastChanges)).as("unchanged a2 is not sent again").containsExactly("a1", "a3");
        assertThat(lastChanges.getRemovedList()).isEmpty();

        // A new job record, or new secrets, reach every assignment.
        put(web.toBuilder().setVersion(2).build(), 2);
        DesiredAllocations third = pushed();
        assertThat(third.getAssignmentsList()).allSatisfy(a -> assertThat(a.getJob().getVersion()).isEqualTo(2));
        secrets = Map.of("default/regcred", new Versioned<>(Secret.newBuilder().setName("regcred")
                .setData(ByteString.copyFromUtf8("{}")).build(), 3));
        DesiredAllocations fourth = pushed();
        assertThat(fourth.getAssignmentsList()).allSatisfy(a -> assertThat(a.getImagePullSecretsMap()).containsKey("regcred"));

        // An allocation that ended drops out.
        put(alloc("a1", web, 0, "n1", ClientStatus.CLIENT_COMPLETE).toBuilder().setDesiredStatus(DesiredStatus.DESIRED_STOP).build());
        assertThat(pushed().getAssignmentsList()).extracting(a -> a.getAllocation().getId()).containsExactly("a2", "a3");
        assertThat(lastChanges.getUpsertedList()).isEmpty();
        assertThat(lastChanges.getRemovedList()).containsExactly("a1");

        // A report (client status) changes the allocation record but not what the agent is told: nothing is sent.
        put(alloc("a2", web, 1, "n1", ClientStatus.CLIENT_RUNNING).toBuilder().setStatusMessage("healthy").build());
        pushed();
        assertThat(lastChanges.getUpsertedList()).isEmpty();
        assertThat(lastChanges.getRemovedList()).isEmpty();
    }
}
