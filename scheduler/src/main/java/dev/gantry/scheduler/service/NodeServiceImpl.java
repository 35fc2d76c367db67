package dev.gantry.scheduler.service;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.DrainRequest;
import dev.gantry.api.v1.ListNodesRequest;
import dev.gantry.api.v1.ListNodesResponse;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeRequest;
import dev.gantry.api.v1.NodeServiceGrpc;
import dev.gantry.api.v1.NodeView;
import dev.gantry.api.v1.Resources;
import dev.gantry.scheduler.state.AtomicUpdate;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.state.Versioned;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Lists nodes with what their running allocations hold, and records the operator's cordon,
 * uncordon and drain decisions on the node. Moving a drained node's allocations is the
 * reconciler's job; this service only writes the intent (idempotent, compare-and-swap).
 */
public final class NodeServiceImpl extends NodeServiceGrpc.NodeServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(NodeServiceImpl.class);
    static final Duration DEFAULT_DRAIN_DEADLINE = Duration.ofHours(1);

    private final ClusterState state;
    private final Store store;
    private final Keys keys;
    private final Clock clock;

    public NodeServiceImpl(ClusterState state, Store store, Keys keys, Clock clock) {
        this.state = state;
        this.store = store;
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public void list(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
        Rpc.unary(out, () -> {
            Snapshot s = state.snapshot();
            ListNodesResponse.Builder b = ListNodesResponse.newBuilder();
            s.nodes().values().stream().map(Versioned::value).sorted(Comparator.comparing(Node::getName).thenComparing(Node::getId))
                    .forEach(n -> b.addNodes(view(s, n)));
            return b.build();
        });
    }

    @Override
    public void cordon(NodeRequest request, StreamObserver<NodeView> out) {
        Rpc.unary(out, () -> change(request.getNode(), "cordoned", n -> n.toBuilder().setEligible(false).build()));
    }

    @Override
    public void uncordon(NodeRequest request, StreamObserver<NodeView> out) {
        Rpc.unary(out, () -> change(request.getNode(), "uncordoned",
                n -> n.toBuilder().setEligible(true).setDraining(false).clearDrainDeadline().build()));
    }

    @Override
    public void drain(DrainRequest request, StreamObserver<NodeView> out) {
        Rpc.unary(out, () -> {
            Duration within = request.hasDeadline()
                    ? Duration.ofSeconds(request.getDeadline().getSeconds(), request.getDeadline().getNanos())
                    : DEFAULT_DRAIN_DEADLINE;
            if (within.isNegative()) {
                throw Status.INVALID_ARGUMENT.withDescription("drain deadline must not be negative").asRuntimeException();
            }
            // The deadline is absolute so that every evaluation, on any replica, agrees on it.
            var deadline = Timestamps.fromMillis(clock.millis() + within.toMillis());
            return change(request.getNode(), "draining (deadline " + Durations.toString(Durations.fromMillis(within.toMillis())) + ")",
                    n -> n.toBuilder().setEligible(false).setDraining(true).setDrainDeadline(deadline).build());
        });
    }

    private NodeView change(String name, String what, UnaryOperator<Node> change) throws Exception {
        Node target = resolve(state.snapshot(), name);
        var result = AtomicUpdate.apply(store, keys.node(target.getId()), Node.parser(), current -> {
            if (current.isEmpty()) throw Rpc.notFound("node " + name + " not found");
            Node next = change.apply(current.get());
            return next.equals(current.get()) ? Optional.empty() : Optional.of(next);
        });
        if (result.written()) log.info("node {} ({}) {}", target.getName(), target.getId(), what);
        state.awaitRevision(result.revision()).get(10, TimeUnit.SECONDS);
        Snapshot s = state.snapshot();
        Versioned<Node> now = s.nodes().get(target.getId());
        return view(s, now != null ? now.value() : result.value().orElse(target));
    }

    /** An exact id, else an exact name, else a unique id prefix. */
    static Node resolve(Snapshot s, String name) {
        if (name.isBlank()) throw Status.INVALID_ARGUMENT.withDescription("node is empty").asRuntimeException();
        Versioned<Node> exact = s.nodes().get(name);
        if (exact != null) return exact.value();
        List<Node> all = s.nodes().values().stream().map(Versioned::value).toList();
        List<Node> named = all.stream().filter(n -> n.getName().equals(name)).toList();
        List<Node> matches = !named.isEmpty() ? named : all.stream().filter(n -> n.getId().startsWith(name)).toList();
        if (matches.isEmpty()) {
            throw Rpc.notFound("node " + name + " not found; give its id, a unique id prefix or its name (see `gantry node ls`)");
        }
        if (matches.size() > 1) {
            throw Status.FAILED_PRECONDITION.withDescription("node " + name + " matches " + matches.size() + " nodes ("
                    + String.join(", ", matches.stream().map(Node::getId).sorted().toList()) + "); give its id").asRuntimeException();
        }
        return matches.get(0);
    }

    private static NodeView view(Snapshot s, Node n) {
        long cpu = 0, mem = 0;
        int count = 0;
        for (Allocation a : s.allocationsOn(n.getId())) {
            if (a.getDesiredStatus() != DesiredStatus.DESIRED_RUN) continue;
            cpu += a.getResources().getCpuMillis();
            mem += a.getResources().getMemoryBytes();
            count++;
        }
        return NodeView.newBuilder().setNode(n).setAllocations(count)
                .setAllocated(Resources.newBuilder().setCpuMillis(cpu).setMemoryBytes(mem)).build();
    }
}
