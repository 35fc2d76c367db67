package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.ListNodesRequest;
import dev.gantry.api.v1.ListNodesResponse;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeServiceGrpc;
import dev.gantry.api.v1.NodeView;
import dev.gantry.api.v1.Resources;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import io.grpc.stub.StreamObserver;

import java.util.Comparator;

/** Lists nodes with what their running allocations hold. */
public final class NodeServiceImpl extends NodeServiceGrpc.NodeServiceImplBase {
    private final ClusterState state;

    public NodeServiceImpl(ClusterState state) {
        this.state = state;
    }

    @Override
    public void list(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
        Rpc.unary(out, () -> {
            Snapshot s = state.snapshot();
            ListNodesResponse.Builder b = ListNodesResponse.newBuilder();
            s.nodes().values().stream().map(Versioned::value).sorted(Comparator.comparing(Node::getName).thenComparing(Node::getId))
                    .forEach(n -> {
                        long cpu = 0, mem = 0;
                        int count = 0;
                        for (Allocation a : s.allocationsOn(n.getId())) {
                            if (a.getDesiredStatus() != DesiredStatus.DESIRED_RUN) continue;
                            cpu += a.getResources().getCpuMillis();
                            mem += a.getResources().getMemoryBytes();
                            count++;
                        }
                        b.addNodes(NodeView.newBuilder().setNode(n).setAllocations(count)
                                .setAllocated(Resources.newBuilder().setCpuMillis(cpu).setMemoryBytes(mem)));
                    });
            return b.build();
        });
    }
}
