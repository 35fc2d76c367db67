package dev.gantry.scheduler.eval;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Op;
import dev.gantry.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.scheduler.testing.Fixtures.staticPort;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job's unplaced record says whether anything under way could make room (so that `gantry
 * run` need not wait in vain), and which replicas wait out a backoff after failing.
 */
class UnplacedRecordTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final Keys keys = new Keys("/gantry/");
    private final Evaluator evaluator = new Evaluator(keys, new ManualClock(NOW), () -> "new-id");
    private final Job redis = job("redis", 1, 100, 64, staticPort("db", 6379));
    private final Job other = job("other", 1, 100, 64, staticPort("db", 6379));

    private Allocation holder(DesiredStatus desired) {
        return alloc("held", redis, 0, "n1", ClientStatus.CLIENT_RUNNING).toBuilder().setDesiredStatus(desired)
                .addPorts(AllocatedPort.newBuilder().setTask("main").setName("db").setValue(6379)).build();
    }

    private JobSummary recordOf(Job job, Allocation... allocations) throws Exception {
        return recordOf(job, Map.of("n1", new Versioned<>(node("n1", 1000, 1024), 3)), allocations);
    }

    private JobSummary recordOf(Job job, Map<String, Versioned<dev.gantry.api.v1.Node>> nodes, Allocation... allocations)
            throws Exception {
        Map<String, Versioned<Allocation>> allocs = new HashMap<>();
        for (Allocation a : allocations) allocs.put(a.getId(), new Versioned<>(a, 20));
        Snapshot s = new Snapshot(100, Map.of("default/" + job.getName(), new Versioned<>(job, 5)), allocs, nodes, Map.of());
        List<JobPlan> plans = evaluator.evaluate(s, List.of("default/" + job.getName()), Evaluator.table(Evaluator.nodes(s), s));
        Op.Put put = (Op.Put) plans.stream().flatMap(p -> p.ops().stream())
                .filter(op -> op.key().equals(keys.unplaced("default", job.getName()))).findFirst().orElseThrow();
        return JobSummary.parseFrom(put.value());
    }

    @Test
    void aPortHeldByARunningReplicaBlocksThePlacement() throws Exception {
        JobSummary r = recordOf(other, holder(DesiredStatus.DESIRED_RUN));
        assertThat(r.getUnplaced()).isEqualTo(1);
        assertThat(r.getPlacementFailure()).contains("port 6379 in use");
        assertThat(r.getBlocked()).isTrue();
    }

    @Test
    void aPortHeldByAStoppingReplicaIsOnlyWaitedFor() throws Exception {
        JobSummary r = recordOf(other, holder(DesiredStatus.DESIRED_STOP));
        assertThat(r.getUnplaced()).isEqualTo(1);
        assertThat(r.getBlocked()).as("the stopping replica frees the port").isFalse();
    }

    @Test
    void aNodeThatIsDownMayComeBackSoItIsOnlyWaitedFor() throws Exception {
        JobSummary r = recordOf(other, Map.of("n1", new Versioned<>(node("n1", 1000, 1024), 3),
                "n2", new Versioned<>(node("n2", 1000, 1024).toBuilder().setStatus(dev.gantry.api.v1.NodeStatus.NODE_DOWN).build(), 4)),
                holder(DesiredStatus.DESIRED_RUN));
        assertThat(r.getUnplaced()).isEqualTo(1);
        assertThat(r.getBlocked()).as("n2 may return (an agent reconnecting to a new leader, say)").isFalse();
    }

    @Test
    void aFailedReplicaIsStoppedWithItsFailureTimeAndItsReplacementWaits() throws Exception {
        Allocation failed = alloc("f", redis, 0, "n1", ClientStatus.CLIENT_FAILED).toBuilder()
                .putTaskStates("main", dev.gantry.api.v1.TaskState.newBuilder().setStatus(dev.gantry.api.v1.TaskStatus.TASK_FAILED)
                        .setMessage("could not start: boom").build()).build();
        Map<String, Versioned<Allocation>> allocs = Map.of("f", new Versioned<>(failed, 20));
        Snapshot s = new Snapshot(100, Map.of("default/redis", new Versioned<>(redis, 5)), allocs,
                Map.of("n1", new Versioned<>(node("n1", 1000, 1024), 3)), Map.of());
        JobPlan plan = evaluator.evaluate(s).get(0);

        Allocation stopped = Allocation.parseFrom(((Op.Put) plan.ops().stream()
                .filter(op -> op.key().equals(keys.allocation("f"))).findFirst().orElseThrow()).value());
        assertThat(stopped.getDesiredStatus()).isEqualTo(DesiredStatus.DESIRED_STOP);
        assertThat(stopped.getFailedAt().getSeconds()).isEqualTo(NOW.getEpochSecond());
        assertThat(plan.placed()).isZero();
        JobSummary record = JobSummary.parseFrom(((Op.Put) plan.ops().stream()
                .filter(op -> op.key().equals(keys.unplaced("default", "redis"))).findFirst().orElseThrow()).value());
        assertThat(record.getRescheduling()).isEqualTo(1);
        assertThat(record.getNextReschedule().getSeconds()).isEqualTo(NOW.plusSeconds(5).getEpochSecond());
        assertThat(record.getLastFailure()).isEqualTo("replica 0: task main: could not start: boom");
        assertThat(record.getUnplaced()).isZero();
    }
}
