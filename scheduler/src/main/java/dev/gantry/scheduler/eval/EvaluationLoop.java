package dev.gantry.scheduler.eval;

import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.scheduler.history.JobHistory;
import dev.gantry.scheduler.rollout.DeploymentTracker;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.TxnResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs evaluations on one thread, level-triggered: any number of triggers while an
 * evaluation runs collapse into one more run. Each job's plan commits in its own
 * transaction; a failed compare (or a store error) schedules another run, which re-reads the
 * state and re-plans. Only runs while {@code isLeader} says so, and every commit also carries
 * the {@code fence} compares, so that a replica deposed mid-evaluation cannot commit.
 */
public final class EvaluationLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EvaluationLoop.class);
    private static final long RETRY_MILLIS = 250;
    private static final long PERIODIC_MILLIS = 5_000;
    /** While a rollout runs, health turns with time alone (min_healthy_time, deadlines): look again this often. */
    private static final long ROLLOUT_MILLIS = 500;

    private final ClusterState state;
    private final Store store;
    private final Evaluator evaluator;
    private final BooleanSupplier isLeader;
    private final Supplier<List<Compare>> fence;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gantry-eval");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile JobHistory history;

    /** A loop without fencing, for a single replica that always leads. */
    public EvaluationLoop(ClusterState state, Store store, Evaluator evaluator, BooleanSupplier isLeader) {
        this(state, store, evaluator, isLeader, List::of);
    }

    /** {@code fence}: compares added to every commit, read at commit time (the leader election's fence). */
    public EvaluationLoop(ClusterState state, Store store, Evaluator evaluator, BooleanSupplier isLeader,
                          Supplier<List<Compare>> fence) {
        this.state = state;
        this.store = store;
        this.evaluator = evaluator;
        this.isLeader = isLeader;
        this.fence = fence;
    }

    /** Enables automatic rollbacks, which redeploy a kept version through {@code history}. */
    public EvaluationLoop withHistory(JobHistory history) {
        this.history = history;
        return this;
    }

    public void start() {
        state.addListener(this::trigger);
        // A periodic pass heals anything a missed trigger or a failed commit left behind.
        executor.scheduleWithFixedDelay(this::trigger, PERIODIC_MILLIS, PERIODIC_MILLIS, TimeUnit.MILLISECONDS);
        trigger();
    }

    /** Asks for an evaluation soon; cheap and safe to call from any thread. */
    public void trigger() {
        if (pending.compareAndSet(false, true)) {
            try {
                executor.execute(this::run);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // Closed: triggers from the state cache or the election may still arrive; nothing to do.
            }
        }
    }

    private void run() {
        pending.set(false);
        if (!isLeader.getAsBoolean()) return;
        try {
            var snapshot = state.snapshot();
            List<JobPlan> plans = evaluator.evaluate(snapshot);
            boolean conflict = false;
            long lastRevision = 0;
            for (JobPlan plan : plans) {
                if (plan.ops().isEmpty()) {
                    if (plan.revert() != null) lastRevision = Math.max(lastRevision, revert(plan.revert()));
                    continue;
                }
                TxnResult r = store.txn(fenced(plan.compares()), plan.ops(), List.of()).get(10, TimeUnit.SECONDS);
                if (r.succeeded()) {
                    lastRevision = r.revision();
                    if (plan.revert() != null) lastRevision = Math.max(lastRevision, revert(plan.revert()));
                    if (plan.placed() > 0 || plan.stopped() > 0) {
                        log.info("job {}: placed {}, stopped {}{}", plan.jobKey(), plan.placed(), plan.stopped(),
                                plan.unplaced() > 0 ? ", " + plan.unplaced() + " could not be placed" : "");
                    }
                } else {
                    conflict = true;
                    log.debug("job {}: state changed during evaluation; re-evaluating", plan.jobKey());
                }
            }
            if (lastRevision > 0) {
                // Let the cache catch up with our own writes before planning again.
                state.awaitRevision(lastRevision).get(10, TimeUnit.SECONDS);
            }
            if (conflict) executor.schedule(this::trigger, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            else if (snapshot.deployments().values().stream().anyMatch(d -> !DeploymentTracker.terminal(d.value().getStatus())
                    || d.value().getRevertTo() != 0 && d.value().getRollbackVersion() == 0)) {
                executor.schedule(this::trigger, ROLLOUT_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("evaluation failed: {}; retrying", e.toString());
            executor.schedule(this::trigger, RETRY_MILLIS * 4, TimeUnit.MILLISECONDS);
        }
    }

    /** Carries out an automatic rollback; returns the revision written, or 0. */
    private long revert(JobPlan.Revert r) throws Exception {
        JobHistory h = history;
        if (h == null) return 0;
        String key = h.keys().deployment(r.namespace(), r.name(), r.from());
        var deployment = state.snapshot().deployments().get(dev.gantry.scheduler.state.Snapshot.jobKey(r.namespace(), r.name()));
        if (deployment == null || deployment.modRevision() != r.deploymentRevision()) return 0;
        var result = h.redeploy(r.namespace(), r.name(), r.to(), r.from(),
                "automatic rollback of version " + r.from() + " to version " + r.to(),
                next -> List.of(Op.put(key, deployment.value().toBuilder()
                        .setStatus(DeploymentStatus.DEPLOYMENT_ROLLED_BACK).setRollbackVersion(next.getVersion())
                        .setStatusDescription(r.reason() + "; rolled back to version " + r.to()
                                + " (now running as version " + next.getVersion() + ")")
                        .build().toByteArray())),
                fenced(List.of(Compare.modRevision(key, r.deploymentRevision()))));
        if (result.written()) {
            log.info("job {}/{}: version {} failed ({}); rolled back to version {} as version {}", r.namespace(), r.name(),
                    r.from(), r.reason(), r.to(), result.value().map(j -> j.getVersion()).orElse(0L));
            return result.revision();
        }
        return 0;
    }

    private List<Compare> fenced(List<Compare> compares) {
        List<Compare> all = new ArrayList<>(compares);
        all.addAll(fence.get());
        return all;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
