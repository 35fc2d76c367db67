package dev.gantry.cli.commands;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.ListNodesRequest;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeView;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Describe;
import dev.gantry.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "status", description = "Show a job: its version, replica counts and every allocation (node, state, ports, restarts, last exit).")
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Parameters(paramLabel = "JOB", description = "The job's name.")
    String job;

    @Override
    public Integer call() {
        try (SchedulerClient c = options.client()) {
            JobStatusView v = c.call(s -> s.jobs().get(GetJobRequest.newBuilder()
                    .setNamespace(options.namespace()).setName(job).build()));
            // Still worth showing: the cache is what the cluster looked like when the store last answered.
            if (!v.getDegraded().isEmpty()) System.err.println(degradedWarning(c.address(), v.getDegraded()));
            System.out.print(options.output().render(v, () -> render(v, nodeNames(c))));
            return 0;
        }
    }

    static String degradedWarning(String address, String degraded) {
        return "warning: scheduler " + address + " is degraded: " + degraded + "; showing the last state it knew";
    }

    static Map<String, String> nodeNames(SchedulerClient c) {
        return c.call(s -> s.nodes().list(ListNodesRequest.getDefaultInstance()))
                .getNodesList().stream().map(NodeView::getNode).collect(Collectors.toMap(Node::getId, Node::getName));
    }

    static String render(JobStatusView v, Map<String, String> nodeNames) {
        JobSummary s = v.getSummary();
        StringBuilder b = new StringBuilder();
        b.append("job       ").append(v.getJob().getNamespace()).append('/').append(v.getJob().getName())
                .append(" (version ").append(v.getJob().getVersion()).append(v.getJob().getStopped() ? ", stopped" : "").append(")\n");
        String network = network(v.getJob());
        if (!network.isEmpty()) b.append("network   ").append(network).append('\n');
        b.append("replicas  ").append(s.getRunning()).append('/').append(s.getDesired()).append(" running");
        if (s.getPending() > 0) b.append(", ").append(s.getPending()).append(" pending");
        if (s.getFailed() > 0) b.append(", ").append(s.getFailed()).append(" failed");
        if (s.getUnplaced() > 0) b.append(", ").append(s.getUnplaced()).append(" not placed");
        if (s.getRescheduling() > 0) b.append(", ").append(s.getRescheduling()).append(" waiting to be replaced");
        b.append('\n');
        if (s.getUnplaced() > 0) {
            b.append("placement ").append(s.getPlacementFailure())
                    .append(s.getBlocked() ? " (nothing under way would make room; placed when the cluster or the job changes)" : "")
                    .append('\n');
        }
        if (s.getRescheduling() > 0) {
            long in = Math.max(0, Duration.between(Instant.now(), Instant.ofEpochSecond(s.getNextReschedule().getSeconds(),
                    s.getNextReschedule().getNanos())).toSeconds());
            b.append("failed    ").append(s.getLastFailure()).append("; placed again in ").append(in).append("s\n");
        }
        if (v.hasDeployment()) {
            b.append("rollout   version ").append(v.getDeployment().getJobVersion()).append(": ")
                    .append(RolloutProgress.describe(v.getDeployment())).append('\n');
            if (v.getDeployment().getStatus() != dev.gantry.api.v1.DeploymentStatus.DEPLOYMENT_SUCCESSFUL) {
                b.append("          ").append(v.getDeployment().getStatusDescription()).append('\n');
            }
        }
        b.append('\n');
        Instant now = Instant.now();
        Table t = new Table("ALLOC", "REPLICA", "NODE", "STATUS", "ADDRESS", "PORTS", "RESTARTS", "LAST EXIT", "AGE", "MESSAGE");
        for (Allocation a : v.getAllocationsList()) {
            t.row(Describe.shortId(a.getId()), a.getIndex(), nodeNames.getOrDefault(a.getNodeId(), Describe.shortId(a.getNodeId())),
                    Describe.status(a.getClientStatus()) + (a.getDesiredStatus() == dev.gantry.api.v1.DesiredStatus.DESIRED_STOP
                            && !ended(a) ? " (stopping)"
                            : a.getClientStatus() == dev.gantry.api.v1.ClientStatus.CLIENT_RUNNING && !ready(a) ? " (not ready)" : "")
                            + (a.getJobVersion() != v.getJob().getVersion() ? " v" + a.getJobVersion() : "")
                            + (a.getCanary() ? " canary" : ""),
                    Describe.address(a), Describe.ports(a), Describe.restarts(a), Describe.lastExit(a), Describe.age(a.getCreateTime(), now),
                    message(a));
        }
        b.append(t.isEmpty() ? "no allocations\n" : t.render());
        return b.toString();
    }

    /**
     * The job's network mode when it names one; host mode says that it opts out of isolation.
     * Empty when the job leaves it to the cluster default.
     */
    static String network(Job job) {
        return switch (job.getNetwork().getMode()) {
            case HOST -> "host (shares the node's network: no isolation, ports bound on the node directly)";
            case BRIDGE -> "bridge";
            case NONE -> "none (loopback only)";
            default -> "";
        };
    }

    private static boolean ended(Allocation a) {
        return switch (a.getClientStatus()) {
            case CLIENT_COMPLETE, CLIENT_FAILED, CLIENT_LOST -> true;
            default -> false;
        };
    }

    private static boolean ready(Allocation a) {
        return a.getTaskStatesMap().values().stream().allMatch(dev.gantry.api.v1.TaskState::getHealthy);
    }

    private static String message(Allocation a) {
        return Describe.problem(a);
    }
}
