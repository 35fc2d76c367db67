package dev.gantry.cli.commands;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ListAllocationsRequest;
import dev.gantry.api.v1.ListAllocationsResponse;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Describe;
import dev.gantry.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "ps", description = "List allocations across jobs (those running or still stopping; --all for every one).")
public final class PsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Option(names = "--all", description = "Include stopped, failed and lost allocations.")
    boolean all;

    @Option(names = "--node", description = "Only allocations on this node id.")
    String node;

    @Override
    public Integer call() {
        try (SchedulerClient c = options.client()) {
            ListAllocationsResponse r = c.call(s -> s.allocations().list(ListAllocationsRequest.newBuilder()
                    .setIncludeStopped(all).setNodeId(node == null ? "" : node).build()));
            Map<String, String> names = StatusCommand.nodeNames(c);
            System.out.print(options.output().render(r, () -> {
                Table t = new Table("ALLOC", "JOB", "REPLICA", "NODE", "STATUS", "ADDRESS", "PORTS", "RESTARTS", "AGE", "MESSAGE");
                Instant now = Instant.now();
                for (Allocation a : r.getAllocationsList()) {
                    t.row(Describe.shortId(a.getId()), a.getNamespace() + "/" + a.getJob(), a.getIndex(),
                            names.getOrDefault(a.getNodeId(), Describe.shortId(a.getNodeId())), Describe.status(a.getClientStatus()),
                            Describe.address(a), Describe.ports(a), Describe.restarts(a), Describe.age(a.getCreateTime(), now), Describe.problem(a));
                }
                return t.isEmpty() ? "no allocations\n" : t.render();
            }));
            return 0;
        }
    }
}
