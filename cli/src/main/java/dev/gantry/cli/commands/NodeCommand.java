package dev.gantry.cli.commands;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.spec.Quantities;
import dev.gantry.api.v1.DrainRequest;
import dev.gantry.api.v1.NodeRequest;
import dev.gantry.api.v1.NodeView;
import dev.gantry.cli.client.SchedulerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.concurrent.Callable;

/** `gantry node ls|cordon|uncordon|drain`: what an operator does to a server before maintenance. */
@Command(name = "node", description = "Inspect nodes and take them in and out of service.",
        subcommands = {NodeCommand.Ls.class, NodeCommand.Cordon.class, NodeCommand.Uncordon.class, NodeCommand.Drain.class,
                NodeCommand.Rm.class})
public final class NodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: ls, cordon, uncordon, drain or rm");
    }

    private static final String NODE_HELP = "The node: its id, a unique id prefix, or its name.";

    @Command(name = "ls", aliases = "list", description = "List the nodes (same as `gantry nodes`).")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Override
        public Integer call() {
            return NodesCommand.list(options);
        }
    }

    @Command(name = "cordon", description = "Place nothing new on a node. What runs there keeps running.")
    static final class Cordon implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "NODE", description = NODE_HELP)
        String node;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                NodeView v = c.call(s -> s.nodes().cordon(NodeRequest.newBuilder().setNode(node).build()));
                System.out.print(options.output().render(v, () -> "node " + name(v) + " cordoned: no new allocations will be placed on it; "
                        + allocations(v) + " keep running there (`gantry node drain` moves them)\n"));
                return 0;
            }
        }
    }

    @Command(name = "uncordon", description = "Make a node eligible for new allocations again; ends a drain in progress.")
    static final class Uncordon implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "NODE", description = NODE_HELP)
        String node;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                NodeView v = c.call(s -> s.nodes().uncordon(NodeRequest.newBuilder().setNode(node).build()));
                System.out.print(options.output().render(v, () -> "node " + name(v) + " uncordoned: eligible for new allocations\n"));
                return 0;
            }
        }
    }

    @Command(name = "drain", description = {
            "Cordon a node and move its allocations to other nodes: each replacement starts before the allocation it "
                    + "replaces stops, one at a time per job. Whatever is still there at the deadline is stopped.",
            "The node takes no new work until `gantry node uncordon`."})
    static final class Drain implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "NODE", description = NODE_HELP)
        String node;

        @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "1h",
                description = "Stop what has not moved after this long, e.g. 5m (default: ${DEFAULT-VALUE}).")
        String deadline;

        @Option(names = "--force", description = "Stop every allocation on the node now; replacements start elsewhere at the same time.")
        boolean force;

        @Override
        public Integer call() {
            var within = force ? com.google.protobuf.Duration.getDefaultInstance() : Quantities.parseDuration(deadline);
            if (within.getSeconds() < 0 || within.getNanos() < 0) throw new IllegalArgumentException("--deadline must not be negative");
            try (SchedulerClient c = options.client()) {
                NodeView v = c.call(s -> s.nodes().drain(DrainRequest.newBuilder().setNode(node).setDeadline(within).build()));
                Instant by = Instant.ofEpochMilli(Timestamps.toMillis(v.getNode().getDrainDeadline()));
                System.out.print(options.output().render(v, () -> v.getAllocations() == 0
                        ? "node " + name(v) + " drained: nothing runs there; it takes no new work until uncordoned\n"
                        : "node " + name(v) + " draining: " + allocations(v) + " moving to other nodes"
                        + (force ? ", stopping now" : ", any left stopped at " + by) + "; follow with `gantry node ls`\n"));
                return 0;
            }
        }
    }

    @Command(name = "rm", description = {
            "Remove a node from the cluster: its certificate is refused from now on (its agent is disconnected and cannot"
                    + " come back), and its allocations are replaced elsewhere. To join that server again, remove the node-id"
                    + " file and tls/ from the agent's data directory and give it a new join token."})
    static final class Rm implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "NODE", description = "The node's id (as `gantry nodes` shows it).")
        String node;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                var r = c.call(s -> s.cluster().removeNode(dev.gantry.api.v1.RemoveNodeRequest.newBuilder().setNode(node).build()));
                System.out.print(options.output().render(r, () -> "node " + r.getNodeId() + " removed: its certificate is refused from now on\n"));
                return 0;
            }
        }
    }

    private static String name(NodeView v) {
        return v.getNode().getName() + " (" + v.getNode().getId() + ")";
    }

    private static String allocations(NodeView v) {
        return v.getAllocations() + (v.getAllocations() == 1 ? " allocation" : " allocations");
    }
}
