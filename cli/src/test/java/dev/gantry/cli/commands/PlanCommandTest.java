package dev.gantry.cli.commands;

import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.cli.Main;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** `gantry plan` against an in-process scheduler: its exit code says whether everything can be placed. */
class PlanCommandTest {
    private MemoryStore store;
    private SchedulerServer server;
    private ManagedChannel channel;
    private Path job;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        store = new MemoryStore();
        server = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/"));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        job = Files.writeString(dir.resolve("web.yaml"), """
                name: web
                count: 2
                tasks:
                  - name: web
                    image: registry.example/web:1
                    resources: {cpu: 100m, memory: 32Mi}
                    ports: [{name: http}]
                """);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.close();
        store.close();
    }

    /** Runs `gantry plan` and returns its exit code and standard output. */
    private Object[] plan() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            int code = Main.run("plan", "-a", "127.0.0.1:" + server.grpcPort(), "-f", job.toString());
            return new Object[]{code, out.toString()};
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void exitsUnplaceableWithTheReasonWhenNoNodeCanTakeTheJob() {
        Object[] r = plan();
        assertThat(r[0]).isEqualTo(ExitCodes.UNPLACEABLE);
        assertThat((String) r[1]).contains("job default/web would be submitted as version 1",
                "cannot place 2 replicas: no nodes registered");
    }

    @Test
    void exitsZeroAndShowsWhereReplicasWouldGoWhenTheyFit() throws Exception {
        AgentServiceGrpc.newStub(channel).connect(new StreamObserver<SchedulerMessage>() {
            @Override
            public void onNext(SchedulerMessage m) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        }).onNext(AgentMessage.newBuilder().setRegister(Node.newBuilder().setId("n1").setName("node-one")
                .setAddress("127.0.0.1:7422").addDrivers("runc")
                .setCapacity(Resources.newBuilder().setCpuMillis(4000).setMemoryBytes(4096L << 20))).build());

        // The node reaches the scheduler's snapshot asynchronously.
        Object[] r = plan();
        for (int i = 0; i < 100 && !r[0].equals(ExitCodes.OK); i++) {
            Thread.sleep(50);
            r = plan();
        }
        assertThat(r[0]).isEqualTo(ExitCodes.OK);
        assertThat((String) r[1]).contains("would place 2:", "node-one", "http=");
        assertThat(store.range("/gantry/jobs/").get().kvs()).isEmpty();
    }
}
