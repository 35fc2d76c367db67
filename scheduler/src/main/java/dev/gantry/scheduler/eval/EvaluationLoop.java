package dev.gantry.scheduler.eval;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.api.v1.Node;
import dev.gantry.scheduler.placement.NodeTable;
import dev.gantry.scheduler.history.JobHistory;
import dev.gantry.scheduler.rollout.DeploymentTracker;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs evaluations on one thread, level-triggered: any number of triggers while an
 * evaluation runs collapse into one more run. A run evaluates the jobs whose inputs changed
 * since the last one (or all of them: see {@link #run}), on a placement table kept up to date
 * between runs ({@link NodeTableCache}), and commits the plans in batched transactions within
 * etcd's limits ({@link CommitBatches}), several in flight. A failed compare (or a store error)
 * schedules another run, which re-reads the state and re-plans the jobs of the failed
 * transactions. Only runs while {@code isLeader} says so, and every commit also carries the
 * {@code fence} compares, so that a replica deposed mid-evaluation cannot commit.
 */
public final class EvaluationLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EvaluationLoop.class);
    private static final long RETRY_MILLIS = 250;
    /** etcd's default --max-txn-ops: the most compares, and the most operations, in one transaction. */
    static final int MAX_TXN_OPS = 128;
    /** Below etcd's 1.5 MiB request limit, with room for the request's framing. */
    static final long MAX_TXN_BYTES = 1L << 20;
    /** Transactions in flight at once: etcd commits concurrent ones together, in fewer disk syncs. */
    private static final int MAX_IN_FLIGHT = 8;
    /** Jobs planned at a time, so that commits start while later jobs are still being planned. */
    private static final int JOBS_PER_PART = 32;
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
    private final AtomicBoolean fullPass = new AtomicBoolean(true);
    private final AtomicBoolean rolloutPass = new AtomicBoolean();
    /** The snapshot the last evaluation read; null forces a full pass. Loop thread only. */
    private Snapshot previous;
    /** Jobs whose last commit failed, to evaluate again. Loop thread only. */
    private final Set<String> retry = new HashSet<>();
    private final NodeTableCache tables = new NodeTableCache();
    private volatile JobHistory history;
    /** The reschedule time a wake-up is set for. Loop thread only. */
    private long wakeAt;

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
        state.addListener(this::changed);
        // A periodic full pass heals anything a missed trigger or a failed commit left behind,
        // and catches what changes with time alone (drain deadlines, retention).
        executor.scheduleWithFixedDelay(this::trigger, PERIODIC_MILLIS, PERIODIC_MILLIS, TimeUnit.MILLISECONDS);
        trigger();
    }

    /** Asks for an evaluation of every job soon; cheap and safe to call from any thread. */
    public void trigger() {
        fullPass.set(true);
        schedule();
    }

    /** The state cache moved: evaluate the jobs that changed (found by comparing snapshots). */
    private void changed() {
        schedule();
    }

    /** Rollouts progress with time alone (min_healthy_time, deadlines): look at the running ones again. */
    private void rolloutsDue() {
        rolloutPass.set(true);
        schedule();
    }

    private void schedule() {
        if (pending.compareAndSet(false, true)) {
            try {
                executor.execute(this::run);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // Closed: triggers from the state cache or the election may still arrive; nothing to do.
            }
        }
    }

    /**
     * One evaluation, on the loop's thread. Which jobs: all of them on a full pass (asked for,
     * the first, after a failure, or when a node changed, since that can affect any job);
     * otherwise those whose job, allocations, deployment or unplaced record changed since the
     * last evaluation, those whose commit failed, those with unplaced replicas (placement
     * resumes when the cluster changes), and on a rollout tick those with a rollout in progress.
     * Any other job would be evaluated on the same inputs as last time and decide nothing.
     */
    private void run() {
        pending.set(false);
        if (!isLeader.getAsBoolean()) {
            previous = null;
            tables.invalidate();
            return;
        }
        boolean full = fullPass.getAndSet(false);
        boolean rollouts = rolloutPass.getAndSet(false);
        try {
            var snapshot = state.snapshot();
            if (previous == null || !snapshot.changedNodes(previous).isEmpty()) full = true;
            SortedSet<String> jobs = new TreeSet<>();
            if (full) {
                jobs.addAll(snapshot.jobs().keySet());
                jobs.addAll(snapshot.jobsWithAllocations());
            } else {
                jobs.addAll(snapshot.changedJobs(previous));
                jobs.addAll(retry);
                jobs.addAll(snapshot.unplaced().keySet());
                if (rollouts) snapshot.deployments().forEach((job, d) -> {
                    if (inProgress(d.value())) jobs.add(job);
                });
            }
            retry.clear();
            previous = snapshot;
            // Evaluate a few jobs at a time and commit each part while the next is planned. One
            // table carries every reservation, so the plans are those of one evaluation of all.
            long started = System.nanoTime();
            Map<String, Node> nodes = Evaluator.nodes(snapshot);
            NodeTable table = tables.tableFor(snapshot, nodes);
            Committer committer = new Committer(fence.get());
            List<String> part = new ArrayList<>(JOBS_PER_PART);
            for (String job : jobs) {
                part.add(job);
                if (part.size() == JOBS_PER_PART) {
                    committer.submit(evaluator.evaluate(snapshot, nodes, part, table));
                    part.clear();
                }
            }
            if (!part.isEmpty()) committer.submit(evaluator.evaluate(snapshot, nodes, part, table));
            Outcome outcome = committer.finish();
            if (log.isDebugEnabled()) {
                log.debug("evaluated {} job(s){} in {} ms: {} plan(s), {} transaction(s), {} job(s) failed to commit; "
                                + "table built {} time(s) so far", jobs.size(), full ? " (full pass)" : "",
                        (System.nanoTime() - started) / 1_000_000, committer.plans.size(), committer.transactions,
                        outcome.failed().size(), tables.rebuilds);
            }
            if (outcome.revision() > 0) {
                // Let the cache catch up with our own writes before planning again.
                state.awaitRevision(outcome.revision()).get(10, TimeUnit.SECONDS);
            }
            if (!outcome.failed().isEmpty()) {
                tables.invalidate();
                retry.addAll(outcome.failed());
                executor.schedule(this::schedule, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            } else if (snapshot.deployments().values().stream().anyMatch(d -> inProgress(d.value()))) {
                executor.schedule(this::rolloutsDue, ROLLOUT_MILLIS, TimeUnit.MILLISECONDS);
            }
            wakeForReschedules(state.snapshot());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (executor.isShutdown()) return;   // closed while this run was finishing
            log.warn("evaluation failed: {}; retrying", e.toString());
            previous = null;
            tables.invalidate();
            try {
                executor.schedule(this::trigger, RETRY_MILLIS * 4, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // closed
            }
        }
    }

    /**
     * Replicas waiting out their backoff are placed when it ends: run again then (the waiting
     * jobs carry an unplaced record, so that run evaluates them). One wake-up per time asked.
     */
    private void wakeForReschedules(Snapshot s) {
        long next = Long.MAX_VALUE;
        for (var summary : s.unplaced().values()) {
            if (summary.getRescheduling() > 0) next = Math.min(next, Timestamps.toMillis(summary.getNextReschedule()));
        }
        if (next == Long.MAX_VALUE || next == wakeAt) return;
        wakeAt = next;
        long delay = Math.max(0, next - evaluator.clock().millis()) + 1;
        executor.schedule(this::schedule, delay, TimeUnit.MILLISECONDS);
    }

    /** A rollout still running, or a failed one whose automatic rollback has not been carried out. */
    private static boolean inProgress(Deployment d) {
        return !DeploymentTracker.terminal(d.getStatus()) || d.getRevertTo() != 0 && d.getRollbackVersion() == 0;
    }

    /** Jobs whose writes did not commit (to evaluate again), and the highest revision written. */
    private record Outcome(Set<String> failed, long revision) {
    }

    /**
     * Commits plans as they come in batched transactions ({@link CommitBatches}), up to
     * {@value #MAX_IN_FLIGHT} at a time, each fenced; at the end, carries out the automatic
     * rollbacks of the plans that committed. Plans of different jobs touch different keys, so
     * the order of their transactions does not matter. Loop thread only.
     */
    private final class Committer {
        private final List<Compare> fenceNow;
        private final Set<String> failed = ConcurrentHashMap.newKeySet();
        private final AtomicLong revision = new AtomicLong();
        private final Semaphore window = new Semaphore(MAX_IN_FLIGHT);
        private final List<CompletableFuture<?>> running = new ArrayList<>();
        /** The plans without their writes, which can be large and are let go once sent. */
        private final List<JobPlan> plans = new ArrayList<>();
        private int transactions;

        Committer(List<Compare> fenceNow) {
            this.fenceNow = fenceNow;
        }

        void submit(List<JobPlan> part) throws InterruptedException {
            for (JobPlan p : part) {
                plans.add(new JobPlan(p.jobKey(), List.of(), List.of(), p.placed(), p.stopped(), p.unplaced(), p.revert()));
            }
            CommitBatches.Commits commits = CommitBatches.of(part, MAX_TXN_OPS, MAX_TXN_BYTES, fenceNow.size());
            transactions += commits.shared().size();
            commits.sequences().forEach(q -> transactions += q.size());
            for (CommitBatches.Txn txn : commits.shared()) {
                window.acquire();
                running.add(send(txn, fenceNow, failed, revision).whenComplete((r, e) -> window.release()));
            }
            for (List<CommitBatches.Txn> sequence : commits.sequences()) {
                window.acquire();
                running.add(sendInOrder(sequence, 0, fenceNow, failed, revision).whenComplete((r, e) -> window.release()));
            }
        }

        Outcome finish() throws Exception {
            // Every store call has its own deadline; this bound only guards against a store that never answers.
            CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            long last = revision.get();
            for (JobPlan plan : plans) {
                if (failed.contains(plan.jobKey())) continue;
                if (plan.revert() != null) last = Math.max(last, revert(plan.revert()));
                if (plan.placed() > 0 || plan.stopped() > 0) {
                    log.info("job {}: placed {}, stopped {}{}", plan.jobKey(), plan.placed(), plan.stopped(),
                            plan.unplaced() > 0 ? ", " + plan.unplaced() + " could not be placed" : "");
                }
            }
            return new Outcome(failed, last);
        }
    }

    /** Completes when the transaction has answered; a failed compare or a store error marks its jobs failed. */
    private CompletableFuture<Boolean> send(CommitBatches.Txn txn, List<Compare> fenceNow, Set<String> failed,
                                            AtomicLong revision) {
        List<Compare> compares = new ArrayList<>(txn.compares());
        compares.addAll(fenceNow);
        return store.txn(compares, txn.ops(), List.of()).handle((r, e) -> {
            if (e == null && r.succeeded()) {
                revision.accumulateAndGet(r.revision(), Math::max);
                return true;
            }
            if (e != null) log.warn("commit of {} job(s) failed: {}; re-evaluating them", txn.plans().size(), e.toString());
            else log.debug("state changed under {} job(s); re-evaluating them", txn.plans().size());
            txn.plans().forEach(p -> failed.add(p.jobKey()));
            return false;
        });
    }

    private CompletableFuture<Boolean> sendInOrder(List<CommitBatches.Txn> sequence, int from, List<Compare> fenceNow,
                                                   Set<String> failed, AtomicLong revision) {
        if (from == sequence.size()) return CompletableFuture.completedFuture(true);
        return send(sequence.get(from), fenceNow, failed, revision)
                .thenCompose(ok -> ok ? sendInOrder(sequence, from + 1, fenceNow, failed, revision)
                        : CompletableFuture.completedFuture(false));
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
