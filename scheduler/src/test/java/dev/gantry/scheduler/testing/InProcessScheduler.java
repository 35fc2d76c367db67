package dev.gantry.scheduler.testing;

import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

import java.io.IOException;

/** One scheduler on the in-memory store, served over real gRPC on a free loopback port, with a client channel. */
public record InProcessScheduler(MemoryStore store, SchedulerServer server, ManagedChannel channel,
                                 JobServiceGrpc.JobServiceBlockingStub jobs) implements AutoCloseable {

    public static InProcessScheduler start() throws IOException {
        MemoryStore store = new MemoryStore();
        SchedulerServer server = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/"));
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        return new InProcessScheduler(store, server, channel, JobServiceGrpc.newBlockingStub(channel));
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.close();
        store.close();
    }
}
