package dev.gantry.cli.commands;

import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.cli.Main;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `gantry events` against two scheduler replicas on one in-memory store: it prints events as
 * lines, follows the second replica when the first goes away, and exits 4 when none is left.
 */
class EventsCommandTest {
    private final MemoryStore store = new MemoryStore();
    private final SchedulerServer.Config config = new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/");
    private SchedulerServer first;
    private SchedulerServer second;

    @AfterEach
    void stop() {
        if (first != null) first.close();
        if (second != null) second.close();
        store.close();
    }

    /** Polls until {@code condition} holds (the cli module does not share the api test support). */
    private static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition did not happen within 30 s");
            Thread.sleep(20);
        }
    }

    private static void submit(SchedulerServer server, String name) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            JobServiceGrpc.newBlockingStub(ch).submit(SubmitJobRequest.newBuilder().setJob(Job.newBuilder().setName(name).setCount(1)
                    .addTasks(Task.newBuilder().setName("main").setImage("registry.example/app:1")
                            .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(32 << 20)))).build());
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void printsEventLinesFailsOverToTheNextSchedulerAndExitsUnreachableWhenNoneIsLeft() throws Exception {
        first = SchedulerServer.start(store, config);
        second = SchedulerServer.start(store, config);
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            String addresses = "127.0.0.1:" + first.grpcPort() + ",127.0.0.1:" + second.grpcPort();
            CompletableFuture<Integer> events = CompletableFuture.supplyAsync(() -> Main.run("events", "-a", addresses));
            eventually(() -> first.openEventStreams() == 1);
            submit(first, "web");
            eventually(() -> out.toString().contains("job.submitted"));
            assertThat(out.toString()).containsPattern(
                    "(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z +job\\.submitted +default/web  version 1 submitted, 1 replica$");

            first.close();
            first = null;
            eventually(() -> second.openEventStreams() == 1);
            assertThat(err.toString()).contains("warning: event stream from scheduler 127.0.0.1:", "following the next scheduler");
            submit(second, "api");
            eventually(() -> out.toString().contains("default/api  version 1 submitted"));
            assertThat(events).isNotDone();

            second.close();
            second = null;
            assertThat(events.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(err.toString()).contains("cannot reach a scheduler");
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void jsonIsOneObjectPerLine() {
        String line = EventsCommand.format(dev.gantry.api.v1.Event.newBuilder().setKind("node.down").setNodeId("n1")
                .setNodeName("host-1").setMessage("node host-1 is down").build(), dev.gantry.cli.output.OutputFormat.json);
        assertThat(line).isEqualTo("{\"kind\":\"node.down\",\"node_id\":\"n1\",\"node_name\":\"host-1\",\"message\":\"node host-1 is down\"}\n");
        assertThat(EventsCommand.line(dev.gantry.api.v1.Event.newBuilder().setKind("node.down").setNodeId("n1")
                .setNodeName("host-1").setMessage("node host-1 is down").build()))
                .isEqualTo(String.format("%-24s  %-18s %s  %s%n", "1970-01-01T00:00:00Z", "node.down", "node host-1", "node host-1 is down"));
    }
}
