package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationServiceGrpc;
import dev.gantry.api.v1.AllocationView;
import dev.gantry.api.v1.GetAllocationRequest;
import dev.gantry.api.v1.ListAllocationsRequest;
import dev.gantry.api.v1.ListAllocationsResponse;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.util.Comparator;
import java.util.List;

/** Reads allocations from the cache: by job, by node, or one by id or unique id prefix. */
public final class AllocationServiceImpl extends AllocationServiceGrpc.AllocationServiceImplBase {
    private final ClusterState state;

    public AllocationServiceImpl(ClusterState state) {
        this.state = state;
    }

    @Override
    public void list(ListAllocationsRequest request, StreamObserver<ListAllocationsResponse> out) {
        Rpc.unary(out, () -> {
            Snapshot s = state.snapshot();
            String ns = request.getNamespace();
            List<Allocation> allocs = s.allocations().values().stream().map(Versioned::value)
                    .filter(a -> ns.isEmpty() || a.getNamespace().equals(ns))
                    .filter(a -> request.getJob().isEmpty() || a.getJob().equals(request.getJob()))
                    .filter(a -> request.getNodeId().isEmpty() || a.getNodeId().equals(request.getNodeId()))
                    .filter(a -> request.getIncludeStopped() || JobSummaries.visible(a))
                    .sorted(Comparator.comparing(Allocation::getNamespace).thenComparing(Allocation::getJob)
                            .thenComparingInt(Allocation::getIndex).thenComparing(Allocation::getId))
                    .toList();
            return ListAllocationsResponse.newBuilder().addAllAllocations(allocs).build();
        });
    }

    @Override
    public void get(GetAllocationRequest request, StreamObserver<AllocationView> out) {
        Rpc.unary(out, () -> {
            Snapshot s = state.snapshot();
            String id = request.getId();
            if (id.isEmpty()) throw Status.INVALID_ARGUMENT.withDescription("allocation id is empty").asRuntimeException();
            Versioned<Allocation> exact = s.allocations().get(id);
            List<Allocation> matches = exact != null ? List.of(exact.value())
                    : s.allocations().values().stream().map(Versioned::value).filter(a -> a.getId().startsWith(id)).toList();
            if (matches.isEmpty()) throw Rpc.notFound("allocation " + id + " not found");
            if (matches.size() > 1) {
                throw Status.FAILED_PRECONDITION.withDescription("allocation prefix " + id + " matches "
                        + matches.size() + " allocations; give more characters").asRuntimeException();
            }
            Allocation a = matches.get(0);
            AllocationView.Builder v = AllocationView.newBuilder().setAllocation(a);
            Versioned<dev.gantry.api.v1.Node> node = s.nodes().get(a.getNodeId());
            if (node != null) v.setNode(node.value());
            return v.build();
        });
    }
}
