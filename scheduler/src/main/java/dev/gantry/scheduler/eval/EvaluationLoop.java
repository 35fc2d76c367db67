package dev.gantry.scheduler.eval;

import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.TxnResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Runs evaluations on one thread, level-triggered: any number of triggers while an
 * evaluation runs collapse into one more run. Each job's plan commits in its own
 * transaction; a failed compare (or a store error) schedules another run, which re-reads the
 * state and re-plans. Only runs while {@code isLeader} says so.
 */
public final class EvaluationLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EvaluationLoop.class);
    private static final long RETRY_MILLIS = 250;
    private static final long PERIODIC_MILLIS = 5_000;

    private final ClusterState state;
    private final Store store;
    private final Evaluator evaluator;
    private final BooleanSupplier isLeader;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gantry-eval");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();

    public EvaluationLoop(ClusterState state, Store store, Evaluator evaluator, BooleanSupplier isLeader) {
        this.state = state;
        this.store = store;
        this.evaluator = evaluator;
        this.isLeader = isLeader;
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
            executor.execute(this::run);
        }
    }

    private void run() {
        pending.set(false);
        if (!isLeader.getAsBoolean()) return;
        try {
            List<JobPlan> plans = evaluator.evaluate(state.snapshot());
            boolean conflict = false;
            long lastRevision = 0;
            for (JobPlan plan : plans) {
                TxnResult r = store.txn(plan.compares(), plan.ops(), List.of()).get(10, TimeUnit.SECONDS);
                if (r.succeeded()) {
                    lastRevision = r.revision();
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("evaluation failed: {}; retrying", e.toString());
            executor.schedule(this::trigger, RETRY_MILLIS * 4, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
