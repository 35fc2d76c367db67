package dev.gantry.bench;

import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.SubmitJobResponse;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.EtcdStore;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.grpc.ManagedChannel;
import dev.gantry.api.transport.Transport;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Issue 4's benchmark: the real scheduler over gRPC on a real etcd, with simulated agents
 * ({@link SimulatedAgents}), placing the {@link Workload} jobs; next to the placement engine
 * alone and raw etcd, measured in the same run.
 *
 * <p>Steps: (1) the engine alone places the same jobs on the same nodes with no I/O; (2) raw
 * etcd ({@link RawEtcdBaseline}) on an etcd of its own; (3) a fresh etcd, a scheduler
 * ({@link SchedulerServer} in this process, gRPC on a loopback port), every simulated agent
 * registered; (4) every job submitted through {@code JobService.Submit}, {@code inflight} at a
 * time, and the allocation keys watched in etcd ({@link PlacementObserver}) until every replica
 * is placed and reported running. Reported: allocations committed per second, submit → all
 * placed and → all running per job (p50/p99), the rate over the last 10% of placements relative
 * to the first 10%, heap and RSS of this process (scheduler and simulated agents together),
 * and etcd's database size.
 *
 * <p>Usage: {@code PlacementScaleBenchmark [scenario=small|A|B] [nodes=N] [jobs=N] [replicas=N]
 * [size=normal|tiny] [inflight=8] [channels=4] [threads=2] [timeout=300] [raw=true] [engine=true]
 * [report=true] [running=true] [leader-ttl=15] [tls=false]}. With {@code tls=true} the scheduler is
 * secure: every agent joins through ClusterService.Join and connects with its own node certificate
 * (a TLS connection each), and jobs are submitted with a management token. The leader lease is 15 s rather than the scheduler's
 * default 5 s: a renewal must answer within a third of it, and with etcd, the scheduler and 5,000
 * simulated agents sharing two cores, etcd's answers take over 1.7 s at times, so the default
 * makes the scheduler step down mid-run (a finding of its own; see deploy/bench/README.md). With {@code report=false} the agents receive their desired sets but
 * report nothing: placement alone, without the agents' status writes competing for etcd and CPU. Scenario A: 5,000 nodes, 1,000 jobs x 100 replicas; B: 5,000 nodes,
 * 1,000 jobs x 1,000 replicas (1,000,000 allocations, tiny resources); small: 500 nodes,
 * 100 jobs x 20 replicas.
 */
public final class PlacementScaleBenchmark {
    private PlacementScaleBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        if (System.getProperty("GANTRY_LOG_LEVEL") == null && System.getenv("GANTRY_LOG_LEVEL") == null) {
            System.setProperty("GANTRY_LOG_LEVEL", "WARN");
        }
        Map<String, String> args = parse(argv);
        String scenario = args.getOrDefault("scenario", "small");
        Map<String, String> preset = switch (scenario.toUpperCase()) {
            case "A" -> Map.of("nodes", "5000", "jobs", "1000", "replicas", "100", "size", "normal");
            case "B" -> Map.of("nodes", "5000", "jobs", "1000", "replicas", "1000", "size", "tiny");
            case "SMALL" -> Map.of("nodes", "500", "jobs", "100", "replicas", "20", "size", "normal");
            default -> throw new IllegalArgumentException("scenario must be small, A or B: " + scenario);
        };
        int nodeCount = Integer.parseInt(args.getOrDefault("nodes", preset.get("nodes")));
        int jobCount = Integer.parseInt(args.getOrDefault("jobs", preset.get("jobs")));
        int replicas = Integer.parseInt(args.getOrDefault("replicas", preset.get("replicas")));
        Workload.Size size = Workload.Size.valueOf(args.getOrDefault("size", preset.get("size")).toUpperCase());
        int inflight = Integer.parseInt(args.getOrDefault("inflight", "8"));
        int channels = Integer.parseInt(args.getOrDefault("channels", "4"));
        int threads = Integer.parseInt(args.getOrDefault("threads", "2"));
        long timeout = Long.parseLong(args.getOrDefault("timeout", "300"));
        boolean raw = Boolean.parseBoolean(args.getOrDefault("raw", "true"));
        boolean engine = Boolean.parseBoolean(args.getOrDefault("engine", "true"));
        boolean report = Boolean.parseBoolean(args.getOrDefault("report", "true"));
        Duration leaderTtl = Duration.ofSeconds(Long.parseLong(args.getOrDefault("leader-ttl", "15")));
        boolean waitRunning = report && Boolean.parseBoolean(args.getOrDefault("running", "true"));
        boolean tls = Boolean.parseBoolean(args.getOrDefault("tls", "false"));

        List<Node> nodes = Workload.nodes(nodeCount, 42);
        List<Job> jobs = Workload.jobs(jobCount, replicas, size, 43);
        long total = (long) jobCount * replicas;
        System.out.printf("placement at scale: %,d nodes, %,d jobs x %,d replicas = %,d allocations (%s resources); "
                        + "%d cpus, max heap %,d MiB, Java %s%n", nodeCount, jobCount, replicas, total,
                size.name().toLowerCase(), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));

        double engineRate = 0;
        if (engine) {
            engineRate = PlacementEngineBenchmark.run(nodes, jobs, total > 200_000 ? 2 : 3, false);
            System.out.printf("engine alone (no I/O): %,.0f placements/s (best round)%n", engineRate);
        }
        RawEtcdBaseline.Result baseline = null;
        if (raw) {
            try (EtcdProcess etcd = EtcdProcess.start()) {
                baseline = RawEtcdBaseline.measure(etcd.endpoints(), 50_000, 400);
            }
            System.out.printf("raw etcd: %,.0f puts/s with 256 in flight; txns of 100 puts: %,.0f keys/s one at a time, "
                    + "%,.0f keys/s with 16 in flight%n", baseline.putsPerSecond(), baseline.txnKeysPerSecondSerial(),
                    baseline.txnKeysPerSecondParallel());
        }
        System.gc();

        try (EtcdProcess etcd = EtcdProcess.start();
             EtcdStore store = EtcdStore.connect(etcd.endpoints())) {
            SchedulerServer.Config config = new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/")
                    .withNodeTtl(Duration.ofSeconds(10)).withLeaderTtl(leaderTtl);
            java.nio.file.Path keyDir = java.nio.file.Files.createTempDirectory("gantry-bench-key");
            SchedulerServer scheduler = tls
                    ? SchedulerServer.start(store, config, new dev.gantry.scheduler.security.SchedulerSecurity.Settings(
                            keyDir.resolve("cluster.key"), List.of(), Duration.ofDays(1)))
                    : SchedulerServer.start(store, config);
            Transport clientTransport = Transport.plaintext();
            Map<String, Transport> identities = null;
            if (tls) {
                clientTransport = Transport.mutualTls(dev.gantry.api.transport.TlsMaterial.trustOnly(scheduler.caCertificate().orElseThrow()))
                        .withBearerToken(scheduler.bootstrapAcl().orElseThrow());
                long j0 = System.nanoTime();
                identities = NodeIdentities.join("127.0.0.1", scheduler.grpcPort(), scheduler.createJoinToken(Duration.ofHours(1)),
                        nodes.stream().map(Node::getId).toList(), 8);
                System.out.printf("mTLS: %,d agents joined (key, CSR, ClusterService.Join, certificate) in %.1f s%n",
                        nodeCount, (System.nanoTime() - j0) / 1e9);
            }
            Sampler sampler = new Sampler(etcd.pid());
            try (PlacementObserver observer = new PlacementObserver(etcd.endpoints(), "/gantry/allocs/", jobCount, replicas);
                 SimulatedAgents agents = new SimulatedAgents("127.0.0.1", scheduler.grpcPort(), nodes, channels, threads, report,
                         identities == null ? null : identities::get)) {
                long t0 = System.nanoTime();
                agents.connect(Math.max(60, timeout));
                System.out.printf("%,d simulated agents registered in %.1f s (%s, %d callback threads); "
                                + "leader lease %d s; %d job submissions in flight%n",
                        nodeCount, (System.nanoTime() - t0) / 1e9,
                        tls ? "mTLS, a connection and TLS handshake each" : channels + " plaintext connections",
                        threads, leaderTtl.toSeconds(), inflight);

                ManagedChannel client = clientTransport.channel("127.0.0.1", scheduler.grpcPort()).build();
                ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "bench-progress");
                    t.setDaemon(true);
                    return t;
                });
                long start = System.nanoTime();
                AtomicLong lastPlaced = new AtomicLong();
                progress.scheduleAtFixedRate(() -> {
                    sampler.sample();
                    long p = observer.placed();
                    long delta = p - lastPlaced.getAndSet(p);
                    System.out.printf("  t=%5.1fs placed %,9d (%,7d/s) running %,9d  heap %,6d MiB  rss %,6d MiB  "
                                    + "cpu: this process %3.0f%%, etcd %3.0f%%%n",
                            (System.nanoTime() - start) / 1e9, p, delta / 2, observer.running(),
                            sampler.lastHeap >> 20, sampler.lastRss >> 20, sampler.selfCpu, sampler.etcdCpu);
                }, 2, 2, TimeUnit.SECONDS);

                int failures = submit(client, jobs, observer, inflight);
                long submitted = System.nanoTime();
                long deadline = start + TimeUnit.SECONDS.toNanos(timeout);
                boolean allPlaced = observer.awaitPlaced(deadline);
                long placedEnd = System.nanoTime();
                boolean allRunning = waitRunning && allPlaced && observer.awaitRunning(deadline);
                long runningEnd = System.nanoTime();
                // Without reports, the end is when every agent has been told about every allocation of its node.
                while (!report && allPlaced && agents.delivered() < total && System.nanoTime() < deadline) Thread.sleep(20);
                long deliveredEnd = System.nanoTime();
                progress.shutdownNow();
                sampler.sample();

                StatusResponse status;
                try (Client c = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
                    status = c.getMaintenanceClient().statusMember(etcd.endpoints().get(0)).get(10, TimeUnit.SECONDS);
                }
                report(new Figures(nodeCount, jobCount, replicas, size, failures, start, submitted, placedEnd, runningEnd, deliveredEnd,
                        allPlaced, allRunning, observer, sampler, status, engineRate, baseline, agents,
                        Sampler.cpuTicks(Long.toString(etcd.pid())) / 100.0));
                client.shutdownNow();
            } finally {
                scheduler.close();
            }
        }
        System.exit(0);
    }

    /** Submits every job, {@code inflight} at a time; returns how many submissions failed. */
    private static int submit(ManagedChannel channel, List<Job> jobs, PlacementObserver observer, int inflight)
            throws InterruptedException {
        JobServiceGrpc.JobServiceStub stub = JobServiceGrpc.newStub(channel);
        Semaphore window = new Semaphore(inflight);
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        for (Job job : jobs) {
            window.acquire();
            observer.job(job.getName()).submittedAt = System.nanoTime();
            stub.withDeadlineAfter(60, TimeUnit.SECONDS).submit(SubmitJobRequest.newBuilder().setJob(job).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(SubmitJobResponse r) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            if (firstError.compareAndSet(null, t)) System.out.println("submit failed: " + t);
                            failed.incrementAndGet();
                            window.release();
                        }

                        @Override
                        public void onCompleted() {
                            window.release();
                        }
                    });
        }
        window.acquire(inflight);
        return failed.get();
    }

    private record Figures(int nodes, int jobs, int replicas, Workload.Size size, int submitFailures, long start,
                           long submitted, long placedEnd, long runningEnd, long deliveredEnd, boolean allPlaced, boolean allRunning,
                           PlacementObserver observer, Sampler sampler, StatusResponse etcd, double engineRate,
                           RawEtcdBaseline.Result raw, SimulatedAgents agents, double etcdCpuSeconds) {
    }

    private static void report(Figures f) {
        long[] times = f.observer().placementTimes();
        int placed = times.length;
        double placeSeconds = placed == 0 ? 0 : (times[placed - 1] - f.start()) / 1e9;
        Percentiles toPlaced = new Percentiles();
        Percentiles toRunning = new Percentiles();
        for (PlacementObserver.JobProgress p : f.observer().jobs().values()) {
            if (p.placedAt != 0 && p.submittedAt != 0) toPlaced.add((p.placedAt - p.submittedAt) / 1e6);
            if (p.runningAt != 0 && p.submittedAt != 0) toRunning.add((p.runningAt - p.submittedAt) / 1e6);
        }
        System.out.println();
        System.out.println("=== placement at scale: results ===");
        System.out.printf("size: %,d nodes, %,d jobs x %,d replicas = %,d allocations (%s); agents %s; submit failures: %d%n",
                f.nodes(), f.jobs(), f.replicas(), (long) f.jobs() * f.replicas(), f.size().name().toLowerCase(),
                f.agents().reporting() ? "report every allocation running" : "do not report", f.submitFailures());
        System.out.printf("all submitted after %.1f s; %s%n", (f.submitted() - f.start()) / 1e9,
                f.allPlaced() ? "all placed" : "NOT all placed before the timeout (" + placed + " placed)");
        System.out.printf("committed: %,d allocations in %.1f s = %,.0f allocations/s%n", placed, placeSeconds,
                placeSeconds > 0 ? placed / placeSeconds : 0);
        if (placed >= 20) {
            int tenth = placed / 10;
            double first = tenth / ((times[tenth - 1] - f.start()) / 1e9);
            double last = tenth / ((times[placed - 1] - times[placed - 1 - tenth]) / 1e9);
            System.out.printf("throughput: first 10%% %,.0f/s, last 10%% %,.0f/s: last/first = %.0f%%%n", first, last,
                    100 * last / first);
        }
        if (toPlaced.size() > 0) System.out.println("submit -> all placed, per job: " + toPlaced.summary());
        if (toRunning.size() > 0) System.out.println("submit -> all running, per job: " + toRunning.summary());
        if (f.allRunning()) {
            System.out.printf("all running after %.1f s (%,d reports from agents)%n",
                    (f.runningEnd() - f.start()) / 1e9, f.agents().reportsSent());
        }
        if (!f.agents().reporting()) {
            long total = (long) f.jobs() * f.replicas();
            System.out.printf("delivered to agents: %,d of %,d allocations%s%n", f.agents().delivered(), total,
                    f.agents().delivered() >= total ? String.format(", all after %.1f s", (f.deliveredEnd() - f.start()) / 1e9) : "");
        }
        System.out.printf("desired-set messages pushed to agents (whole sets or changes): %,d (%,d MiB); other allocation writes seen: %,d; "
                        + "agent streams ended: %d (reconnected)%n", f.agents().desiredSetsReceived(),
                f.agents().desiredBytesReceived() >> 20, f.observer().otherWrites(), f.agents().streamErrors());
        if (f.agents().streamErrors() > 0) {
            System.out.println("WARNING: agent streams failed during the run (the scheduler lost leadership or dropped "
                    + "agents; see the log above): these figures are not a clean run");
        }
        System.out.printf("process (scheduler + simulated agents + observer): heap peak %,d MiB, after full GC %,d MiB; "
                + "RSS peak %,d MiB, now %,d MiB%n", f.sampler().peakHeap >> 20, Sampler.heapAfterGc() >> 20,
                f.sampler().peakRss >> 20, Sampler.rss("self") >> 20);
        System.out.println("etcd read latency seen by a separate client every 0.5 s during the run: " + f.observer().probeSummary());
        System.out.printf("etcd: database %,d MiB (%,d MiB in use), RSS peak %,d MiB, revision %,d%n", f.etcd().getDbSize() >> 20,
                f.etcd().getDbSizeInUse() >> 20, f.sampler().peakEtcdRss >> 20, f.etcd().getHeader().getRevision());
        System.out.printf("CPU over the whole run: this process %.0f s, etcd %.0f s; by thread (live threads): %s%n",
                Sampler.cpuTicks("self") / 100.0, f.etcdCpuSeconds(), threadCpu());
        if (f.engineRate() > 0) System.out.printf("engine alone (no I/O): %,.0f placements/s%n", f.engineRate());
        if (f.raw() != null) {
            System.out.printf("raw etcd, same run: %,.0f puts/s (256 in flight); txns of 100 puts: %,.0f keys/s serial, "
                    + "%,.0f keys/s 16 in flight%n", f.raw().putsPerSecond(), f.raw().txnKeysPerSecondSerial(),
                    f.raw().txnKeysPerSecondParallel());
        }
    }

    /** CPU seconds of the live threads, grouped by name with numbers stripped, largest first. */
    private static String threadCpu() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> byName = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t == null) continue;
            long nanos = threads.getThreadCpuTime(t.getThreadId());
            if (nanos > 0) byName.merge(t.getThreadName().replaceAll("[0-9]+", "N"), nanos, Long::sum);
        }
        StringBuilder out = new StringBuilder();
        byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
                .forEach(e -> out.append(String.format("%s%s %.1f s", out.length() == 0 ? "" : ", ", e.getKey(), e.getValue() / 1e9)));
        return out.toString();
    }

    /** Heap and RSS, sampled every couple of seconds. */
    static final class Sampler {
        private final long etcdPid;
        volatile long lastHeap;
        volatile long lastRss;
        volatile long peakHeap;
        volatile long peakRss;
        volatile long peakEtcdRss;

        Sampler(long etcdPid) {
            this.etcdPid = etcdPid;
        }

        private long lastSample;
        private long lastSelfTicks;
        private long lastEtcdTicks;
        /** CPU use since the previous sample, in % of one core. */
        volatile double selfCpu;
        volatile double etcdCpu;

        synchronized void sample() {
            long now = System.nanoTime();
            long self = cpuTicks("self");
            long etcd = cpuTicks(Long.toString(etcdPid));
            if (lastSample != 0) {
                double seconds = (now - lastSample) / 1e9;
                selfCpu = (self - lastSelfTicks) / 100.0 / seconds * 100;
                etcdCpu = (etcd - lastEtcdTicks) / 100.0 / seconds * 100;
            }
            lastSample = now;
            lastSelfTicks = self;
            lastEtcdTicks = etcd;
            lastHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            lastRss = rss("self");
            peakHeap = Math.max(peakHeap, lastHeap);
            peakRss = Math.max(peakRss, lastRss);
            peakEtcdRss = Math.max(peakEtcdRss, rss(Long.toString(etcdPid)));
        }

        static long heapAfterGc() {
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        /** utime + stime in clock ticks (USER_HZ, 100 on Linux). */
        static long cpuTicks(String pid) {
            try {
                String stat = Files.readString(Path.of("/proc", pid, "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        static long rss(String pid) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                    if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            } catch (IOException | NumberFormatException e) {
                // not on Linux, or the process is gone
            }
            return 0;
        }
    }

    private static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new LinkedHashMap<>();
        List<String> bad = new ArrayList<>();
        for (String a : argv) {
            int eq = a.indexOf('=');
            if (eq <= 0) bad.add(a);
            else args.put(a.substring(0, eq).toLowerCase(), a.substring(eq + 1));
        }
        if (!bad.isEmpty()) throw new IllegalArgumentException("arguments are key=value pairs: " + bad);
        return args;
    }
}
