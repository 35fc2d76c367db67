package dev.gantry.scheduler.rollout;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import dev.gantry.scheduler.reconcile.Reconciler;
import dev.gantry.scheduler.reconcile.Reconciliation;
import dev.gantry.scheduler.testing.Fixtures;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A job's allocations and deployment driven through reconcile and the deployment tracker on a
 * fake clock, as the leader's evaluation does, without placement or I/O: every placement
 * lands on node n1, replicas turn ready when the test says so.
 */
final class RolloutSimulation {
    static final Map<String, Node> NODES = Map.of("n1", Fixtures.node("n1", 64_000, 64_000));

    final Map<String, Allocation> allocations = new LinkedHashMap<>();
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    Job job;
    Deployment deployment;
    Reconciliation last;
    private int ids;

    RolloutSimulation(Job v1) {
        this.job = withHash(v1);
        evaluate();
        readyAll();
        advance(Duration.ofMinutes(1));
        evaluate();
    }

    static Job withHash(Job j) {
        return j.toBuilder().setTemplateHash(Templates.hash(j)).build();
    }

    void submit(Job next) {
        job = withHash(next.toBuilder().setVersion(job.getVersion() + 1).build());
    }

    void advance(Duration d) {
        now = now.plus(d);
    }

    /** One evaluation: start or observe the deployment, reconcile, apply the decisions. */
    Reconciliation evaluate() {
        if (deployment == null || deployment.getJobVersion() != job.getVersion()) {
            boolean outdated = live(a -> !Templates.current(a, job)).size() > 0;
            deployment = DeploymentTracker.start(job, deployment, outdated, now);
        }
        deployment = DeploymentTracker.observe(deployment, job, List.copyOf(allocations.values()), now);
        last = Reconciler.reconcile(job, deployment, List.copyOf(allocations.values()), NODES, now);
        if (last.stepped()) deployment = deployment.toBuilder().setLastStepTime(Timestamps.fromMillis(now.toEpochMilli())).build();
        for (Reconciliation.Stop s : last.stop()) {
            allocations.put(s.allocation().getId(), s.allocation().toBuilder().setDesiredStatus(DesiredStatus.DESIRED_STOP)
                    .setClientStatus(ClientStatus.CLIENT_COMPLETE).clearHealthySince().build());
        }
        for (Allocation a : last.retag()) {
            allocations.put(a.getId(), a.toBuilder().setJobVersion(job.getVersion()).setTemplateHash(job.getTemplateHash()).build());
        }
        for (Reconciliation.Placement p : last.place()) {
            String id = "a" + ids++;
            allocations.put(id, Fixtures.alloc(id, job, p.index(), "n1", ClientStatus.CLIENT_PENDING).toBuilder()
                    .setTemplateHash(job.getTemplateHash()).setCanary(p.canary())
                    .setCreateTime(Timestamps.fromMillis(now.toEpochMilli())).build());
        }
        return last;
    }

    /** The agent reports every pending replica running and ready. */
    void readyAll() {
        live(a -> a.getClientStatus() == ClientStatus.CLIENT_PENDING).forEach(a -> ready(a.getId()));
    }

    void ready(String id) {
        allocations.put(id, allocations.get(id).toBuilder().setClientStatus(ClientStatus.CLIENT_RUNNING)
                .putTaskStates("main", TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).setHealthy(true).build())
                .setHealthySince(Timestamps.fromMillis(now.toEpochMilli())).build());
    }

    /** The agent reports every pending replica running but never ready (its readiness check fails). */
    void runUnready() {
        live(a -> a.getClientStatus() == ClientStatus.CLIENT_PENDING).forEach(a -> allocations.put(a.getId(),
                a.toBuilder().setClientStatus(ClientStatus.CLIENT_RUNNING).putTaskStates("main", TaskState.newBuilder()
                        .setStatus(TaskStatus.TASK_RUNNING).setHealthMessage("http check: 503").build()).build()));
    }

    List<Allocation> live(Predicate<Allocation> p) {
        List<Allocation> out = new ArrayList<>();
        allocations.values().stream().filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN).filter(p).forEach(out::add);
        return out;
    }

    long ready() {
        return live(ReplicaHealth::ready).size();
    }

    long outdated() {
        return live(a -> !Templates.current(a, job)).size();
    }

    long current() {
        return live(a -> Templates.current(a, job)).size();
    }
}
