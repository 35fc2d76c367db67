package dev.gantry.cli.commands;

import dev.gantry.api.status.StatusWords;
import dev.gantry.api.v1.RolloutRequest;
import dev.gantry.api.v1.RolloutView;
import dev.gantry.api.v1.SubmitJobResponse;
import dev.gantry.api.v1.UndoRequest;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;

@Command(name = "rollout", description = "Follow and control a job's rollout: status, pause, resume, promote (canaries), undo.",
        subcommands = {RolloutCommand.Status.class, RolloutCommand.Pause.class, RolloutCommand.Resume.class,
                RolloutCommand.Promote.class, RolloutCommand.Undo.class})
public final class RolloutCommand {

    /** Options every rollout verb shares. */
    static final class Target {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "JOB", description = "The job's name.")
        String job;

        RolloutRequest request(long version) {
            return RolloutRequest.newBuilder().setNamespace(options.namespace()).setJob(job).setVersion(version).build();
        }
    }

    /** Options of the verbs that can wait for the rollout to end. */
    static final class Waiting {
        @Option(names = "--detach", description = "Return at once instead of waiting for the rollout to end.")
        boolean detach;

        @Option(names = "--timeout", defaultValue = "30m", paramLabel = "DURATION",
                description = "Stop waiting after this long (exit 5). Default: ${DEFAULT-VALUE}.")
        String timeout;

        Duration limit() {
            com.google.protobuf.Duration d = dev.gantry.api.spec.Quantities.parseDuration(timeout);
            return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        }
    }

    @Command(name = "status", description = {"Show a rollout and wait for it to end.",
            "Exits 0 when every replica of the version is healthy, 7 failed, 8 rolled back, 9 progress deadline passed."})
    static final class Status implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--version", paramLabel = "N", description = "The job version whose rollout to show (default: the latest).")
        long version;

        @Option(names = "--no-wait", description = "Print the rollout as it is now and exit 0, whatever its state.")
        boolean noWait;

        @Option(names = "--timeout", defaultValue = "30m", paramLabel = "DURATION",
                description = "Stop waiting after this long (exit 5). Default: ${DEFAULT-VALUE}.")
        String timeout;

        @Override
        public Integer call() throws InterruptedException {
            try (SchedulerClient c = target.options.client()) {
                RolloutView v = c.call(s -> s.jobs().rollout(target.request(version)));
                if (noWait) {
                    System.out.print(target.options.output().render(v, () -> render(v)));
                    return ExitCodes.OK;
                }
                com.google.protobuf.Duration limit = dev.gantry.api.spec.Quantities.parseDuration(timeout);
                return new RolloutProgress(c, target.options.namespace(), target.job)
                        .await(v.getDeployment().getJobVersion(), Duration.ofSeconds(limit.getSeconds(), limit.getNanos()));
            }
        }
    }

    @Command(name = "pause", description = "Replace no more replicas until `gantry rollout resume` (replicas being replaced finish).")
    static final class Pause implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return change(target, "paused", (s, r) -> s.jobs().pauseRollout(r));
        }
    }

    @Command(name = "resume", description = "Go on with a paused rollout.")
    static final class Resume implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return change(target, "resumed", (s, r) -> s.jobs().resumeRollout(r));
        }
    }

    @Command(name = "promote", description = "Accept the canaries of a rollout: the remaining replicas roll over.")
    static final class Promote implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return change(target, "promoted", (s, r) -> s.jobs().promoteRollout(r));
        }
    }

    @Command(name = "undo", description = {"Redeploy an earlier version of a job as a new version, and wait for its rollout.",
            "Without --to: the version before the current one. See `gantry history JOB` for the kept versions."})
    static final class Undo implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--to", paramLabel = "N", description = "The version to return to.")
        long to;

        @Mixin
        Waiting waiting;

        @Override
        public Integer call() throws InterruptedException {
            try (SchedulerClient c = target.options.client()) {
                SubmitJobResponse r = c.call(s -> s.jobs().undo(UndoRequest.newBuilder()
                        .setNamespace(target.options.namespace()).setJob(target.job).setToVersion(to).build()));
                String line = "job " + r.getJob().getNamespace() + "/" + r.getJob().getName() + ": " + r.getJob().getChangeCause()
                        + ", deployed as version " + r.getJob().getVersion();
                if (waiting.detach) {
                    System.out.print(target.options.output().render(r, () -> line + "\n"));
                    return ExitCodes.OK;
                }
                System.err.println(line);
                return new RolloutProgress(c, r.getJob().getNamespace(), r.getJob().getName())
                        .await(r.getJob().getVersion(), waiting.limit());
            }
        }
    }

    private static int change(Target target, String done, BiFunction<SchedulerClient.Stubs, RolloutRequest, RolloutView> rpc) {
        try (SchedulerClient c = target.options.client()) {
            RolloutView v = c.call(s -> rpc.apply(s, target.request(0)));
            System.out.print(target.options.output().render(v, () -> "rollout of version " + v.getDeployment().getJobVersion()
                    + " of " + target.job + " " + done + "\n" + render(v)));
            return ExitCodes.OK;
        }
    }

    static String render(RolloutView v) {
        var d = v.getDeployment();
        return "version " + d.getJobVersion() + ": " + RolloutProgress.describe(d) + "\n"
                + "status: " + StatusWords.deployment(d.getStatus()) + " (" + d.getStatusDescription() + ")\n"
                + (v.getCurrentVersion() != d.getJobVersion() ? "the job is now at version " + v.getCurrentVersion() + "\n" : "");
    }
}
