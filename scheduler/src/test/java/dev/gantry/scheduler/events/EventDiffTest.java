package dev.gantry.scheduler.events;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Event;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

/** Events derived from pairs of snapshots: input → output, the time is data. */
class EventDiffTest {
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00.250Z");
    private static final Job WEB = job("web", 2, 100, 64);

    /** A cluster state being edited; {@link #snap()} freezes it, with a new revision each time. */
    private final Map<String, Versioned<Job>> jobs = new HashMap<>();
    private final Map<String, Versioned<Allocation>> allocs = new HashMap<>();
    private final Map<String, Versioned<Node>> nodes = new HashMap<>();
    private final Map<String, JobSummary> unplaced = new HashMap<>();
    private final Map<String, Versioned<Deployment>> deployments = new HashMap<>();
    private long revision;

    private Snapshot snap() {
        revision++;
        return new Snapshot(revision, Map.copyOf(jobs), Map.copyOf(allocs), Map.copyOf(nodes), Map.copyOf(unplaced),
                Map.copyOf(deployments));
    }

    private void put(Job j) {
        jobs.put(j.getNamespace() + "/" + j.getName(), new Versioned<>(j, revision + 1));
    }

    private void put(Allocation a) {
        allocs.put(a.getId(), new Versioned<>(a, revision + 1));
    }

    private void put(Node n) {
        nodes.put(n.getId(), new Versioned<>(n, revision + 1));
    }

    private void put(Deployment d) {
        deployments.put(d.getNamespace() + "/" + d.getJob(), new Versioned<>(d, revision + 1));
    }

    /** Applies {@code change} and returns the events between the states before and after it, as "kind: message". */
    private List<String> after(Runnable change) {
        return events(change).stream().map(e -> e.getKind() + ": " + e.getMessage()).toList();
    }

    private List<Event> events(Runnable change) {
        Snapshot before = snap();
        change.run();
        return EventDiff.between(before, snap(), NOW);
    }

    private static Allocation withTask(Allocation a, TaskState t) {
        return a.toBuilder().putTaskStates("main", t).build();
    }

    @Test
    void aNewJobAndANewVersionAreSubmittedAndStoppingIsSaid() {
        assertThat(after(() -> put(WEB))).containsExactly("job.submitted: version 1 submitted, 2 replicas");
        assertThat(after(() -> put(WEB.toBuilder().setVersion(2).setCount(3).setChangeCause("undo to version 1").build())))
                .containsExactly("job.submitted: version 2 submitted (undo to version 1), 3 replicas");
        assertThat(after(() -> put(WEB.toBuilder().setVersion(2).setCount(3).setStopped(true).build())))
                .containsExactly("job.stopped: job stopped: its replicas stop");
        assertThat(after(() -> jobs.clear())).containsExactly("job.removed: job removed");
    }

    @Test
    void aJobEventNamesItsNamespaceAndJobAndCarriesTheTime() {
        Event e = events(() -> put(WEB)).get(0);
        assertThat(e.getNamespace()).isEqualTo("default");
        assertThat(e.getJob()).isEqualTo("web");
        assertThat(e.getAllocationId()).isEmpty();
        assertThat(Timestamps.toMillis(e.getTime())).isEqualTo(NOW.toEpochMilli());
    }

    @Test
    void nothingChangedOrOnlyRewrittenMakesNoEvent() {
        put(WEB);
        put(node("n1", 1000, 1024));
        put(alloc("a1", WEB, 0, "n1", ClientStatus.CLIENT_RUNNING));
        assertThat(after(() -> { })).isEmpty();
        // The same values at new revisions (a reloaded cache), and a heartbeat: nothing to tell.
        assertThat(after(() -> {
            put(WEB);
            put(alloc("a1", WEB, 0, "n1", ClientStatus.CLIENT_RUNNING));
            put(node("n1", 1000, 1024).toBuilder().setLastHeartbeat(Timestamps.fromSeconds(99)).build());
        })).isEmpty();
    }

    @Test
    void anAllocationIsPlacedOnANamedNodeThenRunsStopsAndIsLost() {
        put(WEB);
        put(node("n1", 1000, 1024).toBuilder().setName("host-1").build());
        Allocation a = alloc("a1", WEB, 1, "n1", ClientStatus.CLIENT_STATUS_UNSPECIFIED);
        List<Event> placed = events(() -> put(a));
        assertThat(placed).extracting(Event::getKind, Event::getMessage)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alloc.placed", "replica 1 (version 1) placed on host-1"));
        assertThat(placed.get(0).getAllocationId()).isEqualTo("a1");
        assertThat(placed.get(0).getNodeId()).isEqualTo("n1");
        assertThat(placed.get(0).getNodeName()).isEqualTo("host-1");

        // The agent's first report (pending) is no news; running is.
        assertThat(after(() -> put(a.toBuilder().setClientStatus(ClientStatus.CLIENT_PENDING).build()))).isEmpty();
        assertThat(after(() -> put(a.toBuilder().setClientStatus(ClientStatus.CLIENT_RUNNING).build())))
                .containsExactly("alloc.running: replica 1 running on host-1");
        Allocation stopping = a.toBuilder().setClientStatus(ClientStatus.CLIENT_RUNNING).setDesiredStatus(DesiredStatus.DESIRED_STOP)
                .setStatusMessage("replaced by job version 2").build();
        assertThat(after(() -> put(stopping))).containsExactly("alloc.stopping: replica 1 stopping: replaced by job version 2");
        assertThat(after(() -> put(stopping.toBuilder().setClientStatus(ClientStatus.CLIENT_LOST)
                .setStatusMessage("node host-1 is down").build())))
                .containsExactly("alloc.lost: replica 1 lost on host-1: node host-1 is down");
        assertThat(after(() -> allocs.clear())).as("deleting an ended allocation is bookkeeping").isEmpty();
    }

    @Test
    void pullProgressAndAPullFailureAreTaskMessagesOfAPendingTask() {
        put(WEB);
        Allocation a = alloc("a1", WEB, 0, "n1", ClientStatus.CLIENT_PENDING);
        put(a);
        TaskState pending = TaskState.newBuilder().setStatus(TaskStatus.TASK_PENDING).build();
        assertThat(after(() -> put(withTask(a, pending.toBuilder().setMessage("pulling docker.io/x:1: resolving").build()))))
                .containsExactly("task.message: pulling docker.io/x:1: resolving");
        assertThat(after(() -> put(withTask(a, pending.toBuilder().setMessage("pulling docker.io/x:1: 12.3/50.1 MB").build()))))
                .containsExactly("task.message: pulling docker.io/x:1: 12.3/50.1 MB");
        assertThat(after(() -> put(withTask(a, pending.toBuilder().setMessage("unpacking docker.io/x:1").build()))))
                .containsExactly("task.message: unpacking docker.io/x:1");
        List<Event> failed = events(() -> put(withTask(a, pending.toBuilder()
                .setMessage("start failed: image docker.io/x:1: unauthorized").build())));
        assertThat(failed).extracting(Event::getKind, Event::getTask, Event::getMessage).containsExactly(
                org.assertj.core.groups.Tuple.tuple("task.message", "main", "start failed: image docker.io/x:1: unauthorized"));
        assertThat(after(() -> put(withTask(a, TaskState.newBuilder().setStatus(TaskStatus.TASK_FAILED)
                .setMessage("could not start: image docker.io/x:1: manifest unknown (gave up after 3 attempts)").build()))))
                .containsExactly("task.failed: could not start: image docker.io/x:1: manifest unknown (gave up after 3 attempts)");
    }

    @Test
    void aTaskPlacedPendingIsNoNewsUntilItSaysSomething() {
        put(WEB);
        TaskState pending = TaskState.newBuilder().setStatus(TaskStatus.TASK_PENDING).build();
        assertThat(after(() -> put(withTask(alloc("a1", WEB, 0, "n1", ClientStatus.CLIENT_PENDING), pending))))
                .containsExactly("alloc.placed: replica 0 (version 1) placed on n1");
    }

    @Test
    void aTaskStartsExitsOutOfMemoryAndRestarts() {
        put(WEB);
        Allocation a = withTask(alloc("a1", WEB, 0, "n1", ClientStatus.CLIENT_RUNNING),
                TaskState.newBuilder().setStatus(TaskStatus.TASK_PENDING).setMessage("unpacking x").build());
        put(a);
        TaskState running = TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).setContainerId("c1").build();
        assertThat(after(() -> put(withTask(a, running)))).containsExactly("task.running: started");
        TaskState exited = running.toBuilder().setHasExit(true).setLastExitCode(137).setOomKilled(true)
                .setFinishedAt(Timestamps.fromSeconds(50)).setMessage("OOM killed").build();
        assertThat(after(() -> put(withTask(a, exited)))).containsExactly("task.exited: OOM killed");
        TaskState restarting = exited.toBuilder().setStatus(TaskStatus.TASK_PENDING).setRestarts(1)
                .setMessage("restarting in 200ms after exit 137 (OOM killed)").build();
        assertThat(after(() -> put(withTask(a, restarting))))
                .containsExactly("task.pending: restarting in 200ms after exit 137 (OOM killed) (restart 1)");
        assertThat(after(() -> put(withTask(a, restarting.toBuilder().setStatus(TaskStatus.TASK_RUNNING).setMessage("").build()))))
                .containsExactly("task.running: started");
        TaskState crashed = running.toBuilder().setRestarts(1).setHasExit(true).setLastExitCode(3)
                .setFinishedAt(Timestamps.fromSeconds(80)).setMessage("").build();
        assertThat(after(() -> put(withTask(a, crashed)))).containsExactly("task.exited: exited with 3");
    }

    @Test
    void readinessChangesOfARunningTaskAreHealthEvents() {
        put(WEB);
        TaskState running = TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).build();
        Allocation a = withTask(alloc("a1", WEB, 0, "n1", ClientStatus.CLIENT_RUNNING), running);
        put(a);
        assertThat(after(() -> put(withTask(a, running.toBuilder().setHealthy(true).build()))))
                .containsExactly("task.healthy: passes its readiness checks");
        assertThat(after(() -> put(withTask(a, running.toBuilder().setHealthMessage("readiness check ready failing: HTTP 503").build()))))
                .containsExactly("task.unhealthy: readiness check ready failing: HTTP 503");
        // Stopping ends readiness too; the status says it, once.
        assertThat(after(() -> put(withTask(a, TaskState.newBuilder().setStatus(TaskStatus.TASK_EXITED).setMessage("stopped").build()))))
                .containsExactly("task.exited: stopped");
    }

    @Test
    void nodesRegisterGoDownComeBackAndAreCordonedAndDrained() {
        Node n = node("n1", 1000, 1024).toBuilder().setName("host-1").setAddress("10.0.0.1:7422").build();
        List<Event> registered = events(() -> put(n));
        assertThat(registered).extracting(e -> e.getKind() + ": " + e.getMessage())
                .containsExactly("node.registered: node host-1 registered at 10.0.0.1:7422 (drivers: runc)");
        assertThat(registered.get(0).getNamespace()).isEmpty();
        assertThat(registered.get(0).getNodeId()).isEqualTo("n1");
        assertThat(after(() -> put(n.toBuilder().setStatus(NodeStatus.NODE_DOWN).setLastHeartbeat(Timestamps.fromSeconds(1_800_000_000)).build())))
                .containsExactly("node.down: node host-1 is down: not heard from since 2027-01-15T08:00:00Z");
        assertThat(after(() -> put(n))).containsExactly("node.ready: node host-1 is ready");
        assertThat(after(() -> put(n.toBuilder().setEligible(false).build())))
                .containsExactly("node.cordoned: node host-1 is cordoned: nothing new is placed on it");
        assertThat(after(() -> put(n.toBuilder().setEligible(false).setDraining(true).build())))
                .containsExactly("node.draining: node host-1 is draining");
        assertThat(after(() -> put(n))).containsExactly("node.uncordoned: node host-1 is eligible again");
        assertThat(after(() -> nodes.clear())).containsExactly("node.removed: node host-1 removed");
    }

    @Test
    void aPlacementFailureIsSaidWhenItsCountOrReasonChangesAndWhenItIsResolved() {
        put(WEB);
        JobSummary two = JobSummary.newBuilder().setUnplaced(2).setPlacementFailure("2 nodes: insufficient memory").build();
        assertThat(after(() -> unplaced.put("default/web", two)))
                .containsExactly("placement.failed: cannot place 2 replicas: 2 nodes: insufficient memory");
        assertThat(after(() -> unplaced.put("default/web", two.toBuilder().build()))).as("unchanged").isEmpty();
        assertThat(after(() -> unplaced.put("default/web", two.toBuilder().setUnplaced(1)
                .setPlacementFailure("1 node: insufficient memory; 1 node: constraint zone=eu-1 not met").build())))
                .containsExactly("placement.failed: cannot place 1 replica: 1 node: insufficient memory; 1 node: constraint zone=eu-1 not met");
        assertThat(after(() -> unplaced.clear())).containsExactly("placement.resolved: no replica is waiting to be placed any more");
    }

    @Test
    void rolloutsStartEndPauseAndPromote() {
        put(WEB);
        Deployment d = Deployment.newBuilder().setNamespace("default").setJob("web").setJobVersion(2)
                .setStatus(DeploymentStatus.DEPLOYMENT_RUNNING).setStatusDescription("rolling out").build();
        assertThat(after(() -> put(d))).containsExactly("rollout.started: rollout of version 2 started: rolling out");
        assertThat(after(() -> put(d.toBuilder().setHealthy(1).build()))).as("counts are progress, not events").isEmpty();
        assertThat(after(() -> put(d.toBuilder().setPaused(true).setStatusDescription("paused").build())))
                .containsExactly("rollout.paused: rollout of version 2 paused");
        assertThat(after(() -> put(d.toBuilder().setPromoted(true).build())))
                .containsExactly("rollout.resumed: rollout of version 2 resumed", "rollout.promoted: rollout of version 2: canaries promoted");
        assertThat(after(() -> put(d.toBuilder().setPromoted(true).setStatus(DeploymentStatus.DEPLOYMENT_ROLLED_BACK)
                .setStatusDescription("replica 1 not healthy within 10s").build())))
                .containsExactly("rollout.rolled_back: rollout of version 2 rolled back: replica 1 not healthy within 10s");
        assertThat(after(() -> put(d.toBuilder().setJobVersion(3).setStatus(DeploymentStatus.DEPLOYMENT_SUCCESSFUL)
                .setStatusDescription("every replica healthy").build())))
                .containsExactly("rollout.successful: rollout of version 3 successful: every replica healthy");
    }

    @Test
    void eventsComeNodesFirstThenJobsThenAllocationsInReplicaOrder() {
        List<String> kinds = after(() -> {
            put(alloc("b", WEB, 1, "n1", ClientStatus.CLIENT_STATUS_UNSPECIFIED));
            put(alloc("a", WEB, 0, "n1", ClientStatus.CLIENT_STATUS_UNSPECIFIED));
            put(WEB);
            put(node("n1", 1000, 1024));
        }).stream().map(s -> s.substring(0, s.indexOf(':'))).toList();
        assertThat(kinds).containsExactly("node.registered", "job.submitted", "alloc.placed", "alloc.placed");
    }
}
