package dev.gantry.bench;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Registered;
import dev.gantry.api.v1.SchedulerMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulated agents' partial read of a desired set finds what a full parse finds. */
class DesiredIdsTest {

    @Test
    void readsIdsAndRunStatusPastTheJobs() throws Exception {
        var job = Workload.jobs(1, 3, Workload.Size.NORMAL, 1).get(0);
        DesiredAllocations set = DesiredAllocations.newBuilder()
                .addAssignments(Assignment.newBuilder().setJob(job).setAllocation(Allocation.newBuilder().setId("a1")
                        .setNamespace("bench").setJob(job.getName()).setNodeId("n").setDesiredStatus(DesiredStatus.DESIRED_RUN)))
                .addAssignments(Assignment.newBuilder().setAllocation(Allocation.newBuilder().setId("a2")
                        .setDesiredStatus(DesiredStatus.DESIRED_STOP)).setJob(job).putImagePullSecrets("s", com.google.protobuf.ByteString.copyFromUtf8("{}")))
                .addAssignments(Assignment.newBuilder().setAllocation(Allocation.newBuilder().setId("a3")
                        .setDesiredStatus(DesiredStatus.DESIRED_RUN).setIndex(7)))
                .build();
        byte[] raw = SchedulerMessage.newBuilder().setDesired(set).build().toByteArray();

        assertThat(DesiredIds.isDesired(raw)).isTrue();
        assertThat(DesiredIds.of(raw)).containsExactly(new DesiredIds.Entry("a1", true), new DesiredIds.Entry("a2", false),
                new DesiredIds.Entry("a3", true));
        assertThat(DesiredIds.of(raw)).isEqualTo(DesiredIds.of(set));

        // Changes carry their new and changed assignments in the same field number: read alike, removed ids skipped.
        byte[] changes = SchedulerMessage.newBuilder().setChanges(DesiredChanges.newBuilder()
                .addAllUpserted(set.getAssignmentsList()).addRemoved("a9")).build().toByteArray();
        assertThat(DesiredIds.isDesired(changes)).isTrue();
        assertThat(DesiredIds.of(changes)).isEqualTo(DesiredIds.of(set));
    }

    @Test
    void otherMessagesAndEmptySets() throws Exception {
        byte[] registered = SchedulerMessage.newBuilder().setRegistered(Registered.newBuilder().setNodeId("n")).build().toByteArray();
        assertThat(DesiredIds.isDesired(registered)).isFalse();
        byte[] empty = SchedulerMessage.newBuilder().setDesired(DesiredAllocations.getDefaultInstance()).build().toByteArray();
        assertThat(DesiredIds.isDesired(empty)).isTrue();
        assertThat(DesiredIds.of(empty)).isEqualTo(List.of());
    }
}
