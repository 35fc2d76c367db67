package dev.gantry.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.agent.AgentDaemon;
import dev.gantry.agent.alloc.AllocationSupervisor;
import dev.gantry.agent.alloc.NodeContext;
import dev.gantry.agent.driver.runc.RuncDriver;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageStore;
import dev.gantry.agent.image.LayerTar;
import dev.gantry.agent.image.OciImageWriter;
import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.StopJobRequest;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;
import dev.gantry.api.transport.Transport;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Issue "Gantry end to end": how fast containers start.
 * <ol>
 *   <li>Agent start latency: an assignment handed to the agent's supervisor until its container
 *       runs (real runc+conmon, image already unpacked), next to a plain {@code runc run -d} of a
 *       bundle on the same layer, measured alternately in the same run.</li>
 *   <li>Job start: Submit of a 10-replica job to a scheduler (in-memory store) until all 10
 *       report running, with the agent on the same host.</li>
 * </ol>
 * Needs root, runc, conmon and /bin/busybox. Usage: {@code StartBenchmark [starts] [rounds]}.
 */
public final class StartBenchmark {
    public static void main(String[] args) throws Exception {
        int starts = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path work = Files.createTempDirectory("gantry-bench");
        Path imageTar = buildImage(work);
        System.out.printf("host: %d cores, %s%n", Runtime.getRuntime().availableProcessors(), RuncDriver.locate("runc", RuncDriver.DEFAULT_RUNC));

        agentStart(work.resolve("agent"), imageTar, starts);
        jobStart(work.resolve("cluster"), imageTar, rounds);
    }

    static Path buildImage(Path dir) throws IOException {
        LayerTar layer = new LayerTar().directory("bin", 0755).directory("tmp", 01777)
                .file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")));
        for (String a : new String[]{"sh", "sleep", "true"}) layer.symlink("bin/" + a, "busybox");
        Path tar = dir.resolve("bench.tar");
        new OciImageWriter().layer(layer).entrypoint("/bin/sleep", "3600").writeLayoutTar(tar);
        return tar;
    }

    private static void agentStart(Path dir, Path imageTar, int starts) throws Exception {
        ImageStore images = new ImageStore(dir.resolve("images"));
        Image image = images.ensure("file:" + imageTar);
        RuncDriver driver = new RuncDriver(dir.resolve("runc"));
        Map<String, AllocationUpdate> reports = new ConcurrentHashMap<>();
        AllocationSupervisor supervisor = new AllocationSupervisor(Map.of("runc", driver), images::ensure,
                new LocalState(dir.resolve("state")), new NodeContext("bench", "bench", "127.0.0.1"), Clock.systemUTC(),
                u -> reports.put(u.getAllocationId(), u));
        Job job = Job.newBuilder().setNamespace("default").setName("bench").setCount(1).setVersion(1)
                .addTasks(Task.newBuilder().setName("main").setImage("file:" + imageTar)
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(32 << 20))
                        .setStopGrace(com.google.protobuf.Duration.newBuilder().setSeconds(1)))
                .build();
        Path bundle = plainBundle(dir.resolve("plain"), image.layers().get(0));

        Percentiles gantry = new Percentiles();
        Percentiles plain = new Percentiles();
        for (int i = 0; i < starts + 3; i++) {
            boolean warmup = i < 3;
            // Gantry: assignment in, container running out.
            String id = "bench-" + i;
            Assignment a = Assignment.newBuilder().setJob(job).setAllocation(Allocation.newBuilder().setId(id)
                    .setNamespace("default").setJob("bench").setDesiredStatus(DesiredStatus.DESIRED_RUN)).build();
            long t0 = System.nanoTime();
            supervisor.apply(DesiredAllocations.newBuilder().addAssignments(a).build());
            while (reports.get(id) == null || reports.get(id).getClientStatus() != ClientStatus.CLIENT_RUNNING) {
                if (System.nanoTime() - t0 > 30_000_000_000L) throw new IllegalStateException("start " + i + " timed out: " + reports.get(id));
                Thread.onSpinWait();
            }
            if (!warmup) gantry.add((System.nanoTime() - t0) / 1e6);
            supervisor.apply(DesiredAllocations.getDefaultInstance());
            while (reports.get(id).getClientStatus() != ClientStatus.CLIENT_COMPLETE) Thread.sleep(5);

            // Baseline: plain `runc run -d` of a bundle on the same layer.
            String pid = "plain-" + i;
            long t1 = System.nanoTime();
            run("runc", "--root", dir.resolve("plain-root").toString(), "run", "-d", "--bundle", bundle.toString(), pid);
            if (!warmup) plain.add((System.nanoTime() - t1) / 1e6);
            run("runc", "--root", dir.resolve("plain-root").toString(), "delete", "-f", pid);
        }
        supervisor.close();
        driver.close();
        System.out.println("agent start  (assignment -> running): " + gantry.summary());
        System.out.println("plain runc run -d (same layer)       : " + plain.summary());
        System.out.printf("ratio of p50: %.2fx (target <= 4x)%n", gantry.at(0.5) / plain.at(0.5));
    }

    /** A bundle whose rootfs is a bind of the image's layer, running `sleep 3600`, detached-friendly (no terminal). */
    private static Path plainBundle(Path dir, Path layer) throws Exception {
        Files.createDirectories(dir.resolve("rootfs"));
        run("runc", "spec", "--bundle", dir.toString());
        ObjectMapper json = new ObjectMapper();
        ObjectNode spec = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        ObjectNode process = (ObjectNode) spec.get("process");
        process.put("terminal", false);
        ArrayNode args = process.putArray("args");
        args.add("/bin/sleep").add("3600");
        ((ObjectNode) spec.get("root")).put("path", layer.toString()).put("readonly", true);
        json.writeValue(dir.resolve("config.json").toFile(), spec);
        return dir;
    }

    private static void jobStart(Path dir, Path imageTar, int rounds) throws Exception {
        MemoryStore store = new MemoryStore();
        int port = freePort();
        SchedulerServer scheduler = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", port, -1, "/gantry/"));
        AgentDaemon agent = AgentDaemon.start(AgentDaemon.Config.builder(List.of("127.0.0.1:" + port), dir).nodeName("bench")
                .bind("127.0.0.1", freePort()).dynamicPorts(45000, 45999).build(), List.of(new RuncDriver(dir.resolve("runc"))));
        ManagedChannel ch = Transport.plaintext().channel("127.0.0.1", port).build();
        JobServiceGrpc.JobServiceBlockingStub jobs = JobServiceGrpc.newBlockingStub(ch);
        while (!agent.isRegistered()) Thread.sleep(20);

        Percentiles all = new Percentiles();
        for (int r = 0; r < rounds + 1; r++) {
            Job job = Job.newBuilder().setName("ten").setCount(10)
                    .addTasks(Task.newBuilder().setName("main").setImage("file:" + imageTar).putEnv("ROUND", String.valueOf(r))
                            .setResources(Resources.newBuilder().setCpuMillis(10).setMemoryBytes(16 << 20))
                            .setStopGrace(com.google.protobuf.Duration.newBuilder().setSeconds(1)))
                    .build();
            long t0 = System.nanoTime();
            long version = jobs.submit(SubmitJobRequest.newBuilder().setJob(job).build()).getJob().getVersion();
            while (true) {
                JobStatusView v = jobs.get(GetJobRequest.newBuilder().setNamespace("default").setName("ten").build());
                long running = v.getAllocationsList().stream().filter(a -> a.getJobVersion() == version
                        && a.getDesiredStatus() == DesiredStatus.DESIRED_RUN && a.getClientStatus() == ClientStatus.CLIENT_RUNNING).count();
                if (running == 10) break;
                if (System.nanoTime() - t0 > 60_000_000_000L) throw new IllegalStateException("10 replicas not running in 60s");
                Thread.sleep(5);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (r > 0) all.add(ms); // round 0 unpacks the image: not "with the image present"
            System.out.printf("round %d: 10 replicas running %.0f ms after submit%s%n", r, ms, r == 0 ? " (warm-up, image unpacked)" : "");
            jobs.stop(StopJobRequest.newBuilder().setName("ten").build());
            while (!jobs.get(GetJobRequest.newBuilder().setNamespace("default").setName("ten").build()).getAllocationsList().isEmpty()) {
                Thread.sleep(50);
            }
        }
        System.out.println("submit -> 10 running (image present): " + all.summary() + " (target <= 1000 ms)");
        ch.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        agent.stopAllAllocations(java.time.Duration.ofSeconds(30));
        agent.close();
        scheduler.close();
        store.close();
    }

    /** Runs a command; its output goes to a file, since a detached container keeps a pipe open forever. */
    private static void run(String... cmd) throws Exception {
        Path out = Files.createTempFile("bench-cmd", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
