package dev.gantry.api.desired;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.SchedulerMessage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DesiredSetTest {
    private static Assignment assignment(String id, boolean run, long version) {
        return Assignment.newBuilder()
                .setAllocation(Allocation.newBuilder().setId(id).setJob("web").setJobVersion(version)
                        .setDesiredStatus(run ? DesiredStatus.DESIRED_RUN : DesiredStatus.DESIRED_STOP))
                .setJob(Job.newBuilder().setName("web").setVersion(version))
                .build();
    }

    private static DesiredAllocations set(List<Assignment> assignments) {
        // One assignment per id, as the scheduler builds them.
        Map<String, Assignment> byId = assignments.stream().collect(Collectors.toMap(
                a -> a.getAllocation().getId(), Function.identity(), (x, y) -> y, java.util.LinkedHashMap::new));
        return DesiredAllocations.newBuilder().addAllAssignments(byId.values()).build();
    }

    private static Map<String, Assignment> byId(DesiredAllocations d) {
        return d.getAssignmentsList().stream().collect(Collectors.toMap(a -> a.getAllocation().getId(), Function.identity()));
    }

    @Test
    void aStreamOfMessagesRebuildsTheSetAndAWholeSetStartsAgain() {
        DesiredSet agent = new DesiredSet();
        agent.apply(SchedulerMessage.newBuilder().setDesired(set(List.of(assignment("a1", true, 1)))).build());
        DesiredAllocations now = agent.apply(SchedulerMessage.newBuilder().setChanges(DesiredChanges.newBuilder()
                .addUpserted(assignment("a2", true, 1))).build());
        assertThat(now.getAssignmentsList()).extracting(a -> a.getAllocation().getId()).containsExactly("a1", "a2");
        now = agent.apply(SchedulerMessage.newBuilder().setDesired(set(List.of(assignment("a3", true, 1)))).build());
        assertThat(now.getAssignmentsList()).extracting(a -> a.getAllocation().getId()).containsExactly("a3");
    }

    @Test
    void changesReplaceInPlaceAddAtTheEndAndRemove() {
        DesiredSet agent = new DesiredSet();
        agent.replace(set(List.of(assignment("a1", true, 1), assignment("a2", true, 1), assignment("a3", true, 1))));
        DesiredAllocations now = agent.change(DesiredChanges.newBuilder()
                .addUpserted(assignment("a2", false, 1)).addUpserted(assignment("a4", true, 2))
                .addRemoved("a1").addRemoved("never-there").build());
        assertThat(now.getAssignmentsList()).extracting(a -> a.getAllocation().getId()).containsExactly("a2", "a3", "a4");
        assertThat(byId(now).get("a2").getAllocation().getDesiredStatus()).isEqualTo(DesiredStatus.DESIRED_STOP);
        assertThat(byId(now).get("a4").getJob().getVersion()).isEqualTo(2);
    }

    @Test
    void changesBeforeAnyWholeSetAreRefused() {
        DesiredSet agent = new DesiredSet();
        assertThatThrownBy(() -> agent.change(DesiredChanges.newBuilder().addRemoved("a1").build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before a whole set");
    }
}
