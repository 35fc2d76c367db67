package dev.gantry.api.desired;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.SchedulerMessage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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

    @Provide
    Arbitrary<DesiredAllocations> sets() {
        Arbitrary<Assignment> one = Combinators.combine(
                Arbitraries.integers().between(0, 12).map(i -> "a" + i),
                Arbitraries.of(true, false),
                Arbitraries.longs().between(1, 3)).as(DesiredSetTest::assignment);
        return one.list().ofMaxSize(10).map(DesiredSetTest::set);
    }

    @Property
    void applyingTheDiffToTheSetBeforeGivesTheSetAfter(@ForAll("sets") DesiredAllocations before,
                                                      @ForAll("sets") DesiredAllocations after) {
        DesiredSet agent = new DesiredSet();
        agent.replace(before);
        DesiredAllocations rebuilt = agent.change(DesiredSet.diff(before, after));
        assertThat(rebuilt.getAssignmentsCount()).isEqualTo(after.getAssignmentsCount());
        assertThat(byId(rebuilt)).isEqualTo(byId(after));
    }

    @Property
    void theDiffOfASetWithItselfIsEmpty(@ForAll("sets") DesiredAllocations set) {
        assertThat(DesiredSet.isEmpty(DesiredSet.diff(set, set))).isTrue();
        // Equal but rebuilt assignments are not sent again either.
        assertThat(DesiredSet.isEmpty(DesiredSet.diff(set, set.toBuilder().build()))).isTrue();
    }

    @Test
    void theDiffNamesOnlyWhatChanged() {
        Assignment a1 = assignment("a1", true, 1);
        Assignment a2 = assignment("a2", true, 1);
        Assignment a3 = assignment("a3", true, 1);
        DesiredChanges c = DesiredSet.diff(set(List.of(a1, a2, a3)),
                set(List.of(a1, assignment("a2", false, 1), assignment("a4", true, 2))));
        assertThat(c.getUpsertedList()).extracting(a -> a.getAllocation().getId()).containsExactly("a2", "a4");
        assertThat(c.getUpserted(0).getAllocation().getDesiredStatus()).isEqualTo(DesiredStatus.DESIRED_STOP);
        assertThat(c.getRemovedList()).containsExactly("a3");
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
    void changesBeforeAnyWholeSetAreRefused() {
        DesiredSet agent = new DesiredSet();
        assertThatThrownBy(() -> agent.change(DesiredChanges.newBuilder().addRemoved("a1").build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before a whole set");
    }
}
