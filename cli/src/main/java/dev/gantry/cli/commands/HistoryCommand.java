package dev.gantry.cli.commands;

import dev.gantry.api.status.StatusWords;
import dev.gantry.api.spec.JobDiff;
import dev.gantry.api.v1.HistoryRequest;
import dev.gantry.api.v1.HistoryResponse;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobVersion;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Describe;
import dev.gantry.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "history", description = {"List the kept versions of a job, what changed in each and how its rollout ended.",
        "`gantry rollout undo JOB --to N` redeploys one of them."})
public final class HistoryCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Parameters(paramLabel = "JOB", description = "The job's name.")
    String job;

    @Override
    public Integer call() {
        try (SchedulerClient c = options.client()) {
            HistoryResponse r = c.call(s -> s.jobs().history(HistoryRequest.newBuilder()
                    .setNamespace(options.namespace()).setJob(job).build()));
            System.out.print(options.output().render(r, () -> render(r.getVersionsList())));
            return ExitCodes.OK;
        }
    }

    static String render(List<JobVersion> versions) {
        Table t = new Table("VERSION", "SUBMITTED", "ROLLOUT", "CHANGE");
        Instant now = Instant.now();
        Job previous = null;
        for (JobVersion v : versions) {
            Job j = v.getJob();
            String change = previous == null ? (j.getVersion() == 1 ? "created" : "(earlier versions not kept)")
                    : String.join("; ", JobDiff.between(previous, j));
            if (!j.getChangeCause().isEmpty()) change = j.getChangeCause() + (change.isEmpty() ? "" : ": " + change);
            if (change.isEmpty()) change = "no change";
            t.row(j.getVersion(), Describe.age(j.getSubmitTime(), now) + " ago",
                    v.hasDeployment() ? StatusWords.deployment(v.getDeployment().getStatus()) : "-", change);
            previous = j;
        }
        return t.isEmpty() ? "no versions kept\n" : t.render();
    }
}
