package dev.gantry.cli.commands;

import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.SubmitJobResponse;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "run", aliases = "apply",
        description = {"Create or update a job from a spec file, and wait for its rollout.",
                "The spec is validated here first, then again by the scheduler. Exits 0 only once every replica of the new "
                        + "version is healthy; 7 if the rollout failed, 8 if it failed and was rolled back, 9 if its progress deadline passed."})
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "JOB.yaml", description = "The job spec ('-' for stdin).")
    Path file;

    @Option(names = "--detach", description = "Return once the scheduler has stored the job, without waiting for the rollout.")
    boolean detach;

    @Option(names = "--wait", hidden = true, description = "Kept for scripts: waiting is the default.")
    boolean wait;

    @Option(names = "--timeout", defaultValue = "30m", paramLabel = "DURATION",
            description = "Stop waiting after this long (exit 5; the rollout goes on). The rollout's own deadlines "
                    + "(update.progress_deadline, healthy_deadline) decide failure. Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Override
    public Integer call() throws InterruptedException {
        Job job = JobFiles.read(file);
        if (options.namespace() != null && !options.namespace().equals("default") && job.getNamespace().isEmpty()) {
            job = job.toBuilder().setNamespace(options.namespace()).build();
        }
        try (SchedulerClient c = options.client()) {
            Job submitted = job;
            SubmitJobResponse r = c.call(s -> s.jobs().submit(SubmitJobRequest.newBuilder().setJob(submitted).build()));
            Job stored = r.getJob();
            String name = stored.getNamespace() + "/" + stored.getName();
            if (detach) {
                System.out.print(options.output().render(r, () -> (r.getChanged()
                        ? "job " + name + " submitted as version " + stored.getVersion()
                        : "job " + name + " unchanged (version " + stored.getVersion() + ")")
                        + "\nfollow it with `gantry rollout status " + stored.getName() + "`\n"));
                return ExitCodes.OK;
            }
            System.err.println((r.getChanged() ? "job " + name + " submitted as version " : "job " + name + " unchanged at version ")
                    + stored.getVersion() + "; waiting for its rollout (--detach to return at once)");
            com.google.protobuf.Duration limit = dev.gantry.api.spec.Quantities.parseDuration(timeout);
            int code = new RolloutProgress(c, stored.getNamespace(), stored.getName())
                    .await(stored.getVersion(), Duration.ofSeconds(limit.getSeconds(), limit.getNanos()));
            JobStatusView v = c.call(s -> s.jobs().get(GetJobRequest.newBuilder()
                    .setNamespace(stored.getNamespace()).setName(stored.getName()).build()));
            System.out.print(options.output().render(v, () -> StatusCommand.render(v, StatusCommand.nodeNames(c))));
            return code;
        }
    }
}
