package dev.gantry.scheduler;

import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.ListJobsRequest;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.RangeResult;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.TxnResult;
import dev.gantry.scheduler.store.WatchListener;
import dev.gantry.scheduler.store.Watcher;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** A scheduler whose store stops answering says so in the job views `gantry status` shows, and keeps serving them. */
class DegradedStatusTest {
    /** The in-memory store, except that its health probe can be made to fail like an unreachable etcd. */
    private static final class FlakyStore implements Store {
        final MemoryStore store = new MemoryStore();
        volatile boolean down;

        @Override
        public CompletableFuture<Optional<KeyValue>> get(String key) {
            return store.get(key);
        }

        @Override
        public CompletableFuture<RangeResult> range(String prefix) {
            return store.range(prefix);
        }

        @Override
        public CompletableFuture<TxnResult> txn(List<Compare> compares, List<Op> onSuccess, List<Op> onFailure) {
            return store.txn(compares, onSuccess, onFailure);
        }

        @Override
        public Watcher watch(String prefix, long fromRevision, WatchListener listener) {
            return store.watch(prefix, fromRevision, listener);
        }

        @Override
        public CompletableFuture<Long> grantLease(Duration ttl) {
            return store.grantLease(ttl);
        }

        @Override
        public CompletableFuture<Void> keepAlive(long leaseId) {
            return store.keepAlive(leaseId);
        }

        @Override
        public CompletableFuture<Void> revokeLease(long leaseId) {
            return store.revokeLease(leaseId);
        }

        @Override
        public CompletableFuture<Void> ping() {
            return down ? CompletableFuture.failedFuture(new java.io.IOException("connection refused")) : store.ping();
        }

        @Override
        public void close() {
            store.close();
        }
    }

    private final FlakyStore store = new FlakyStore();
    private SchedulerServer server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) channel.shutdownNow();
        if (server != null) server.close();
        store.close();
    }

    @Test
    void jobViewsCarryWhyTheSchedulerIsDegradedAndStillShowTheCachedState() throws Exception {
        server = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/"));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        var jobs = JobServiceGrpc.newBlockingStub(channel);
        jobs.submit(SubmitJobRequest.newBuilder().setJob(Job.newBuilder().setName("web").setCount(1)
                .addTasks(Task.newBuilder().setName("web").setImage("registry.example/web:1")
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20)))).build());
        GetJobRequest web = GetJobRequest.newBuilder().setName("web").build();
        assertThat(jobs.get(web).getDegraded()).isEmpty();
        assertThat(jobs.list(ListJobsRequest.getDefaultInstance()).getDegraded()).isEmpty();

        store.down = true;
        eventually(() -> !jobs.get(web).getDegraded().isEmpty());
        assertThat(jobs.get(web).getDegraded()).startsWith("state store unreachable for ").endsWith("(connection refused)");
        assertThat(jobs.get(web).getJob().getName()).isEqualTo("web");
        assertThat(jobs.list(ListJobsRequest.getDefaultInstance()).getDegraded()).startsWith("state store unreachable for ");

        store.down = false;
        eventually(() -> jobs.get(web).getDegraded().isEmpty());
    }
}
