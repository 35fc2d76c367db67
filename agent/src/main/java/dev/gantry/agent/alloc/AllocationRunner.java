package dev.gantry.agent.alloc;

import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.health.ProbeThreads;
import dev.gantry.agent.network.AllocationNetwork;
import dev.gantry.agent.network.NetworkException;
import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs every task of one allocation together. Its client status follows from the tasks':
 * running when all run, failed as soon as one gives up (the others are then stopped, and the
 * scheduler places a replacement), complete when all have ended as their policy wants or
 * the allocation was stopped. All tasks share one network ({@link ReplicaNetwork}), set up before
 * the first container starts and torn down once all have stopped.
 */
public final class AllocationRunner {
    private static final Logger log = LoggerFactory.getLogger(AllocationRunner.class);

    private final Allocation alloc;
    private final Job job;
    private final Map<String, TaskRunner> tasks = new LinkedHashMap<>();
    private final Map<String, Thread> threads = new LinkedHashMap<>();
    private final Consumer<AllocationUpdate> reporter;
    private final ExecutorService stopper;
    private final ReplicaNetwork network;
    private volatile boolean stopped;
    /** Set once stopped, every container removed and the network torn down (or its tear-down failed and was logged). */
    private volatile boolean released;

    public AllocationRunner(Allocation alloc, Job job, Function<Task, TaskDriver> drivers, ImageResolver images,
                            LocalState local, NodeContext node, Clock clock, Map<String, TaskHandle> recovered,
                            Map<String, TaskState> recoveredStates, Consumer<AllocationUpdate> reporter, ExecutorService stopper,
                            AllocationNetwork networks) {
        this.network = new ReplicaNetwork(networks, alloc, job);
        this.alloc = alloc;
        this.job = job;
        this.reporter = reporter;
        this.stopper = stopper;
        for (Task t : job.getTasksList()) {
            tasks.put(t.getName(), new TaskRunner(alloc, job, t, drivers.apply(t), images, local, node, clock,
                    recovered.get(t.getName()), recoveredStates.get(t.getName()), s -> onTaskChange(), ProbeThreads.shared(),
                    network));
        }
    }

    public String id() {
        return alloc.getId();
    }

    public Allocation allocation() {
        return alloc;
    }

    public Job job() {
        return job;
    }

    public void start() {
        for (var e : tasks.entrySet()) {
            Thread t = new Thread(e.getValue(), "task-" + alloc.getId().substring(0, Math.min(8, alloc.getId().length())) + "-" + e.getKey());
            t.setDaemon(true);
            threads.put(e.getKey(), t);
            t.start();
        }
        report();
    }

    /** Stops every task (in parallel, each with its grace period) and removes the containers. Idempotent, asynchronous. */
    public void stop() {
        if (stopped) return;
        stopped = true;
        stopper.execute(() -> {
            List<Thread> stoppers = new ArrayList<>();
            for (var e : tasks.entrySet()) {
                Thread t = new Thread(() -> {
                    e.getValue().stop();
                    try {
                        e.getValue().awaitFinishedAndDestroy(threads.get(e.getKey()));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                });
                t.start();
                stoppers.add(t);
            }
            for (Thread t : stoppers) {
                try {
                    t.join();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                network.detach();
            } catch (NetworkException e) {
                // Orphan cleanup at the next agent start tries again.
                log.warn("allocation {}: cannot tear down its network: {}", alloc.getId(), e.getMessage());
            }
            released = true;
            log.info("allocation {} stopped", alloc.getId());
            report();
        });
    }

    /**
     * Stops watching the containers without touching them: the task threads are interrupted and
     * end without a restart, a destroy or a report. For a supervisor that is closing, so that only
     * the next agent process (which re-adopts them) acts on these containers.
     */
    public void abandon() {
        tasks.forEach((name, t) -> t.abandon(threads.get(name)));
    }

    public boolean isStopped() {
        return stopped;
    }

    /**
     * Whether a stop has finished: containers removed, network torn down. The client status may
     * read complete a little earlier (when the last task ends), so forget an allocation only now.
     */
    public boolean isReleased() {
        return released;
    }

    public Map<String, TaskState> taskStates() {
        Map<String, TaskState> m = new LinkedHashMap<>();
        tasks.forEach((name, t) -> m.put(name, t.state()));
        return m;
    }

    public ClientStatus clientStatus() {
        Map<String, TaskState> states = taskStates();
        boolean anyFailed = states.values().stream().anyMatch(s -> s.getStatus() == TaskStatus.TASK_FAILED);
        boolean allRunning = states.values().stream().allMatch(s -> s.getStatus() == TaskStatus.TASK_RUNNING);
        boolean allEnded = states.values().stream().allMatch(s -> s.getStatus() == TaskStatus.TASK_EXITED || s.getStatus() == TaskStatus.TASK_FAILED);
        if (anyFailed) return ClientStatus.CLIENT_FAILED;
        if (allEnded) return ClientStatus.CLIENT_COMPLETE;
        if (allRunning && !stopped) return ClientStatus.CLIENT_RUNNING;
        return ClientStatus.CLIENT_PENDING;
    }

    private void onTaskChange() {
        // One task giving up fails the allocation: stop its siblings so the replica is replaced whole.
        if (!stopped && taskStates().values().stream().anyMatch(s -> s.getStatus() == TaskStatus.TASK_FAILED)) {
            stop();
        }
        report();
    }

    /**
     * Computes and delivers one report under this runner's lock, so reports leave in the order
     * their states were read: a stale report can never overwrite a newer one.
     */
    private synchronized void report() {
        reporter.accept(currentReport());
    }

    /** The allocation's state as the scheduler wants it: client status, task states and its own address. */
    public AllocationUpdate currentReport() {
        return AllocationUpdate.newBuilder().setAllocationId(alloc.getId()).setClientStatus(clientStatus())
                .putAllTaskStates(taskStates()).setAddress(network.address()).build();
    }
}
