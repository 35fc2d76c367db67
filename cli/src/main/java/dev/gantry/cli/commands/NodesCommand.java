package dev.gantry.cli.commands;

import dev.gantry.api.v1.ListNodesRequest;
import dev.gantry.api.v1.ListNodesResponse;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.NodeView;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Describe;
import dev.gantry.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "nodes", description = "List the nodes: address, status, drivers, and CPU and memory allocated of capacity.")
public final class NodesCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Override
    public Integer call() {
        return list(options);
    }

    /** Shared with `gantry node ls`. */
    static int list(ClientOptions options) {
        try (SchedulerClient c = options.client()) {
            ListNodesResponse r = c.call(s -> s.nodes().list(ListNodesRequest.getDefaultInstance()));
            System.out.print(options.output().render(r, () -> {
                Table t = new Table("ID", "NAME", "ADDRESS", "STATUS", "DRIVERS", "CPU", "MEMORY", "ALLOCS");
                for (NodeView v : r.getNodesList()) {
                    Node n = v.getNode();
                    t.row(Describe.shortId(n.getId()), n.getName(), n.getAddress(), status(v), String.join(",", n.getDriversList()),
                            v.getAllocated().getCpuMillis() + "m/" + n.getCapacity().getCpuMillis() + "m",
                            Describe.bytes(v.getAllocated().getMemoryBytes()) + "/" + Describe.bytes(n.getCapacity().getMemoryBytes()),
                            v.getAllocations());
                }
                return t.isEmpty() ? "no nodes registered\n" : t.render();
            }));
            return 0;
        }
    }

    /** "ready", "down", plus what the operator set: "cordoned", "draining" (allocations still to move) or "drained". */
    static String status(NodeView v) {
        Node n = v.getNode();
        String status = n.getStatus() == NodeStatus.NODE_READY ? "ready" : "down";
        if (n.getDraining()) return status + (v.getAllocations() > 0 ? ",draining" : ",drained");
        if (!n.getEligible()) return status + ",cordoned";
        return status;
    }
}
