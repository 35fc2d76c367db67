package dev.gantry.scheduler.service;

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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over random histories of one node (allocations placed, moved away, told to stop, reported on,
 * ended; job versions; secrets), an agent sent the whole set once and then changes holds, after
 * every push, exactly the set built from scratch, and no change re-sends an assignment it already has.
 */
class DesiredChangesPropertiesTest {
    /** One step of a history: {@code kind} picks what happens to allocation {@code slot}. */
    record Step(int kind, int slot) {
    }

    @Provide
    Arbitrary<List<Step>> histories() {
        return Combinators.combine(Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 5))
                .as(Step::new).list().ofMinSize(1).ofMaxSize(30);
    }

    @Property
    void anAgentSentChangesHoldsTheSetBuiltFromScratch(@ForAll("histories") List<Step> history) {
        Job web = job("web", 6, 100, 64);
        web = web.toBuilder().setTasks(0, web.getTasks(0).toBuilder().setImagePullSecret("regcred")).build();
        Map<String, Versioned<Job>> jobs = new HashMap<>(Map.of("default/web", new Versioned<>(web, 1)));
        Map<String, Versioned<Allocation>> allocations = new HashMap<>();
        Map<String, Versioned<Secret>> secrets = Map.of();
        DesiredAssignments.Memo memo = new DesiredAssignments.Memo();
        DesiredSet agent = new DesiredSet();
        long revision = 1;
        for (int i = 0; i <= history.size(); i++) {
            Snapshot s = new Snapshot(revision, Map.copyOf(jobs), Map.copyOf(allocations), Map.of(), Map.of());
            DesiredAllocations fresh = DesiredAssignments.forNode(s, "n1", secrets);
            if (i == 0) {
                agent.replace(DesiredAssignments.forNode(s, "n1", secrets, memo));
            } else {
                Map<String, Assignment> before = DesiredAssignmentsTest.byId(agent.current());
                DesiredChanges changes = DesiredAssignments.changesForNode(s, "n1", secrets, memo);
                for (Assignment a : changes.getUpsertedList()) {
                    assertThat(a).as("re-sent unchanged").isNotEqualTo(before.get(a.getAllocation().getId()));
                }
                assertThat(before.keySet()).containsAll(changes.getRemovedList());
                agent.change(changes);
            }
            assertThat(DesiredAssignmentsTest.byId(agent.current())).isEqualTo(DesiredAssignmentsTest.byId(fresh));
            if (i == history.size()) break;

            Step step = history.get(i);
            String id = "a" + step.slot();
            Versioned<Allocation> current = allocations.get(id);
            Job j = jobs.get("default/web").value();
            revision++;
            switch (step.kind()) {
                case 0 -> allocations.put(id, new Versioned<>(alloc(id, j, step.slot(), "n1", ClientStatus.CLIENT_PENDING), revision));
                case 1 -> allocations.put(id, new Versioned<>(alloc(id, j, step.slot(), "n2", ClientStatus.CLIENT_PENDING), revision));
                case 2 -> {
                    if (current != null) allocations.put(id, new Versioned<>(current.value().toBuilder()
                            .setDesiredStatus(DesiredStatus.DESIRED_STOP).build(), revision));
                }
                case 3 -> {
                    if (current != null) allocations.put(id, new Versioned<>(current.value().toBuilder()
                            .setClientStatus(ClientStatus.CLIENT_RUNNING).setStatusMessage("report " + revision).build(), revision));
                }
                case 4 -> {
                    if (current != null) allocations.put(id, new Versioned<>(current.value().toBuilder()
                            .setClientStatus(ClientStatus.CLIENT_COMPLETE).build(), revision));
                }
                case 5 -> allocations.remove(id);
                case 6 -> jobs.put("default/web", new Versioned<>(j.toBuilder().setVersion(j.getVersion() + 1).build(), revision));
                default -> secrets = Map.of("default/regcred", new Versioned<>(Secret.newBuilder().setName("regcred")
                        .setData(com.google.protobuf.ByteString.copyFromUtf8("{\"rev\": " + revision + "}")).build(), revision));
            }
        }
    }
}
