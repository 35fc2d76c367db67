package dev.gantry.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches the allocation keys in etcd directly, with a client of its own, so that what it
 * counts is what was committed, not what the scheduler believes. An allocation counts as
 * placed when its key is created, as running when its first update (key version 2) says
 * running. Times are {@link System#nanoTime()} at the moment the watch delivers the event.
 */
final class PlacementObserver implements AutoCloseable {
    private final Client client;
    private final Watch.Watcher watcher;
    private final int replicas;
    private final Map<String, JobProgress> jobs = new ConcurrentHashMap<>();
    /** Commit time of the i-th placed allocation, for throughput over time. */
    private final long[] placedAt;
    private final AtomicInteger placed = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong otherWrites = new AtomicLong();
    private final CountDownLatch allPlaced;
    private final CountDownLatch allRunning;
    private final Percentiles probeLatency = new Percentiles();
    private final java.util.concurrent.ScheduledExecutorService probes = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-etcd-probe");
        t.setDaemon(true);
        return t;
    });

    static final class JobProgress {
        volatile long submittedAt;
        volatile long placedAt;
        volatile long runningAt;
        final AtomicInteger placed = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
    }

    PlacementObserver(java.util.List<String> endpoints, String allocPrefix, int jobCount, int replicas) {
        this.replicas = replicas;
        long total = (long) jobCount * replicas;
        this.placedAt = new long[(int) total];
        this.allPlaced = new CountDownLatch(jobCount);
        this.allRunning = new CountDownLatch(jobCount);
        client = Client.builder().endpoints(endpoints.toArray(String[]::new)).maxInboundMessageSize(256 << 20).build();
        ByteSequence prefix = ByteSequence.from(allocPrefix, StandardCharsets.UTF_8);
        watcher = client.getWatchClient().watch(prefix, WatchOption.builder().isPrefix(true).build(), this::onResponse);
        probes.scheduleWithFixedDelay(this::probe, 500, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** etcd's answer time for a tiny linearizable read, from a client other than the scheduler's. */
    private void probe() {
        long t0 = System.nanoTime();
        try {
            client.getKVClient().get(ByteSequence.from("/bench-probe", StandardCharsets.UTF_8)).get(30, java.util.concurrent.TimeUnit.SECONDS);
            synchronized (probeLatency) {
                probeLatency.add((System.nanoTime() - t0) / 1e6);
            }
        } catch (Exception e) {
            synchronized (probeLatency) {
                probeLatency.add(30_000);
            }
        }
    }

    /** Latency of etcd reads through the observer's own client during the run. */
    String probeSummary() {
        synchronized (probeLatency) {
            return probeLatency.size() == 0 ? "no probes" : probeLatency.summary();
        }
    }

    JobProgress job(String name) {
        return jobs.computeIfAbsent(name, k -> new JobProgress());
    }

    private void onResponse(WatchResponse response) {
        long now = System.nanoTime();
        for (WatchEvent e : response.getEvents()) {
            if (e.getEventType() != WatchEvent.EventType.PUT) continue;
            long version = e.getKeyValue().getVersion();
            if (version > 2) {
                otherWrites.incrementAndGet();
                continue;
            }
            Allocation a;
            try {
                a = Allocation.parseFrom(e.getKeyValue().getValue().getBytes());
            } catch (InvalidProtocolBufferException ex) {
                continue;
            }
            JobProgress p = job(a.getJob());
            if (version == 1) {
                int i = placed.getAndIncrement();
                if (i < placedAt.length) placedAt[i] = now;
                if (p.placed.incrementAndGet() == replicas) {
                    p.placedAt = now;
                    allPlaced.countDown();
                }
            } else if (a.getClientStatus() == ClientStatus.CLIENT_RUNNING) {
                running.incrementAndGet();
                if (p.running.incrementAndGet() == replicas) {
                    p.runningAt = now;
                    allRunning.countDown();
                }
            } else {
                otherWrites.incrementAndGet();
            }
        }
    }

    int placed() {
        return placed.get();
    }

    int running() {
        return running.get();
    }

    long otherWrites() {
        return otherWrites.get();
    }

    boolean awaitPlaced(long deadlineNanos) throws InterruptedException {
        return allPlaced.await(Math.max(0, deadlineNanos - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    boolean awaitRunning(long deadlineNanos) throws InterruptedException {
        return allRunning.await(Math.max(0, deadlineNanos - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Commit times of the placements seen so far, in order. */
    long[] placementTimes() {
        int n = Math.min(placed.get(), placedAt.length);
        long[] t = Arrays.copyOf(placedAt, n);
        Arrays.sort(t);
        return t;
    }

    Map<String, JobProgress> jobs() {
        return jobs;
    }

    @Override
    public void close() {
        probes.shutdownNow();
        watcher.close();
        client.close();
    }
}
