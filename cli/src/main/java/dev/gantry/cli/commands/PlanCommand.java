package dev.gantry.cli.commands;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.PlanResponse;
import dev.gantry.api.v1.PlannedPlacement;
import dev.gantry.api.v1.PlannedStop;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Describe;
import dev.gantry.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "plan", description = "Show, without changing anything, what `run` would place where, what would stop and why,"
        + " and why any replica could not be placed. Exits 6 when something cannot be placed.")
public final class PlanCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "JOB.yaml", description = "The job spec ('-' for stdin).")
    Path file;

    @Override
    public Integer call() {
        Job job = JobFiles.read(file);
        // As `run` does, so that the plan is of the job `run` would submit.
        if (options.namespace() != null && !options.namespace().equals("default") && job.getNamespace().isEmpty()) {
            job = job.toBuilder().setNamespace(options.namespace()).build();
        }
        try (SchedulerClient c = options.client()) {
            Job planned = job;
            PlanResponse p = c.call(s -> s.jobs().plan(SubmitJobRequest.newBuilder().setJob(planned).build()));
            Map<String, String> nodeNames = p.getStopsCount() == 0 ? Map.of() : StatusCommand.nodeNames(c);
            System.out.print(options.output().render(p, () -> render(p, nodeNames)));
            return p.getUnplaced() > 0 ? ExitCodes.UNPLACEABLE : ExitCodes.OK;
        }
    }

    static String render(PlanResponse p, Map<String, String> nodeNames) {
        Job j = p.getJob();
        StringBuilder b = new StringBuilder();
        b.append("job ").append(j.getNamespace()).append('/').append(j.getName())
                .append(p.getChanged() ? " would be submitted as version " : " is unchanged at version ")
                .append(j.getVersion()).append('\n');
        if (p.getPlacementsCount() == 0 && p.getStopsCount() == 0 && p.getUnplaced() == 0) {
            return b.append("nothing to place or stop\n").toString();
        }
        if (p.getPlacementsCount() > 0) {
            Table t = new Table("REPLICA", "NODE", "PORTS", "SCORES");
            for (PlannedPlacement pl : p.getPlacementsList()) {
                t.row(pl.getIndex(), pl.getNodeName().isEmpty() ? Describe.shortId(pl.getNodeId()) : pl.getNodeName(),
                        ports(pl.getPortsList()), scores(pl.getScoresMap()));
            }
            b.append("\nwould place ").append(p.getPlacementsCount()).append(":\n").append(t.render());
        }
        if (p.getStopsCount() > 0) {
            Table t = new Table("ALLOC", "REPLICA", "NODE", "REASON");
            for (PlannedStop s : p.getStopsList()) {
                t.row(Describe.shortId(s.getAllocationId()), s.getIndex(),
                        nodeNames.getOrDefault(s.getNodeId(), Describe.shortId(s.getNodeId())), s.getReason());
            }
            b.append("\nwould stop ").append(p.getStopsCount()).append(":\n").append(t.render());
        }
        if (p.getUnplaced() > 0) {
            b.append("\ncannot place ").append(p.getUnplaced()).append(p.getUnplaced() == 1 ? " replica: " : " replicas: ")
                    .append(p.getPlacementFailure()).append('\n');
        }
        return b.toString();
    }

    private static String ports(List<AllocatedPort> ports) {
        if (ports.isEmpty()) return "-";
        return ports.stream().map(p -> p.getName() + "=" + p.getValue()).collect(Collectors.joining(","));
    }

    /** Each scorer's part, so the choice of node can be explained: "binpack=0.42,anti-affinity=0.00". */
    private static String scores(Map<String, Double> scores) {
        if (scores.isEmpty()) return "-";
        return scores.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + String.format(Locale.ROOT, "%.2f", e.getValue()))
                .collect(Collectors.joining(","));
    }
}
