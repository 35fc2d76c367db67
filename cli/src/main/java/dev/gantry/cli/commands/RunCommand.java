package dev.gantry.cli.commands;

import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.SubmitJobResponse;
import dev.gantry.cli.client.CliException;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "run", aliases = "apply",
        description = "Create or update a job from a spec file. The spec is validated here first, then again by the scheduler.")
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "JOB.yaml", description = "The job spec ('-' for stdin).")
    Path file;

    @Option(names = "--wait", description = "Wait until every replica of this version runs; exit 5 if not within --timeout.")
    boolean wait;

    @Option(names = "--timeout", defaultValue = "120s", paramLabel = "DURATION",
            description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
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
            if (!wait) {
                System.out.print(options.output().render(r, () -> (r.getChanged()
                        ? "job " + name + " submitted as version " + stored.getVersion()
                        : "job " + name + " unchanged (version " + stored.getVersion() + ")")
                        + "\nsee `gantry status " + stored.getName() + "`\n"));
                return 0;
            }
            System.err.println((r.getChanged() ? "job " + name + " submitted as version " : "job " + name + " unchanged at version ")
                    + stored.getVersion() + "; waiting for " + stored.getCount() + " replicas to run");
            return await(c, stored, dev.gantry.api.spec.Quantities.parseDuration(timeout));
        }
    }

    private int await(SchedulerClient c, Job job, com.google.protobuf.Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(limit.getSeconds(), limit.getNanos()).toNanos();
        String last = "";
        while (true) {
            JobStatusView v = c.call(s -> s.jobs().get(GetJobRequest.newBuilder()
                    .setNamespace(job.getNamespace()).setName(job.getName()).build()));
            JobSummary s = v.getSummary();
            long current = v.getAllocationsList().stream()
                    .filter(a -> a.getJobVersion() == v.getJob().getVersion()
                            && a.getClientStatus() == dev.gantry.api.v1.ClientStatus.CLIENT_RUNNING
                            && a.getDesiredStatus() == dev.gantry.api.v1.DesiredStatus.DESIRED_RUN)
                    .count();
            String line = current + "/" + s.getDesired() + " running"
                    + (s.getPending() > 0 ? ", " + s.getPending() + " pending" : "")
                    + (s.getFailed() > 0 ? ", " + s.getFailed() + " failed" : "")
                    + (s.getUnplaced() > 0 ? ", " + s.getUnplaced() + " not placed: " + s.getPlacementFailure() : "");
            if (!line.equals(last)) {
                System.err.println("  " + line);
                last = line;
            }
            if (current == s.getDesired()) {
                System.out.print(options.output().render(v, () -> StatusCommand.render(v, StatusCommand.nodeNames(c))));
                return ExitCodes.OK;
            }
            if (System.nanoTime() > deadline) {
                throw new CliException(ExitCodes.TIMEOUT, "job " + job.getName() + " did not reach " + s.getDesired()
                        + " running replicas in time (" + line + "); see `gantry status " + job.getName() + "`");
            }
            Thread.sleep(250);
        }
    }
}
