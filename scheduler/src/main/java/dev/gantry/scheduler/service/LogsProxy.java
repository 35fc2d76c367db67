package dev.gantry.scheduler.service;

import dev.gantry.api.security.PeerIdentity;
import dev.gantry.api.transport.Transport;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.LogLine;
import dev.gantry.api.v1.LogsRequest;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.TaskServiceGrpc;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * `gantry logs` through the scheduler: the caller's permission to read logs in the allocation's
 * namespace is checked here (the permission table), then the stream is relayed from the agent's
 * own port, which only schedulers may call. The agent is reached by the address its node
 * announced and checked by its node certificate. Channels are kept per node and address.
 */
public final class LogsProxy extends TaskServiceGrpc.TaskServiceImplBase implements AutoCloseable {
    private final ClusterState state;
    private final Transport transport;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public LogsProxy(ClusterState state, Transport transport) {
        this.state = state;
        this.transport = transport;
    }

    @Override
    public void logs(LogsRequest request, StreamObserver<LogLine> out) {
        Snapshot s = state.snapshot();
        Versioned<Allocation> alloc = s.allocations().get(request.getAllocationId());
        if (alloc == null) {
            out.onError(Rpc.notFound("no allocation " + request.getAllocationId()));
            return;
        }
        Versioned<Node> node = s.nodes().get(alloc.value().getNodeId());
        if (node == null || node.value().getAddress().isEmpty()) {
            out.onError(Status.UNAVAILABLE.withDescription("the node of allocation " + request.getAllocationId() + " is unknown")
                    .asRuntimeException());
            return;
        }
        String nodeId = node.value().getId();
        String address = node.value().getAddress();
        ManagedChannel channel = channels.computeIfAbsent(nodeId + "@" + address, k -> {
            var b = transport.channel(address);
            if (transport.isTls()) b.overrideAuthority(PeerIdentity.nodeHostName(nodeId));
            return b.build();
        });
        ServerCallStreamObserver<LogLine> server = (ServerCallStreamObserver<LogLine>) out;
        TaskServiceGrpc.newStub(channel).logs(request, new ClientResponseObserver<LogsRequest, LogLine>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<LogsRequest> upstream) {
                server.setOnCancelHandler(() -> upstream.cancel("the client went away", null));
            }

            @Override
            public void onNext(LogLine line) {
                if (!server.isCancelled()) out.onNext(line);
            }

            @Override
            public void onError(Throwable t) {
                if (!server.isCancelled()) out.onError(Status.fromThrowable(t).augmentDescription("from agent " + address)
                        .asRuntimeException());
            }

            @Override
            public void onCompleted() {
                if (!server.isCancelled()) out.onCompleted();
            }
        });
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
