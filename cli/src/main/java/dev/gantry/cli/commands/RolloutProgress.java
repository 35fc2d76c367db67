package dev.gantry.cli.commands;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.status.StatusWords;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.RolloutRequest;
import dev.gantry.api.v1.RolloutView;
import dev.gantry.cli.client.CliException;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/**
 * Follows the rollout of one job version until it ends, printing progress to stderr: a line
 * redrawn in place on a terminal, a plain line per change otherwise (CI logs). The result is
 * the exit code a pipeline can trust: 0 only when every replica runs the version healthy.
 * After an automatic rollback it follows the rollback too, to say what now runs.
 */
final class RolloutProgress {
    private static final long POLL_MILLIS = 500;
    /**
     * How long "blocked" must hold before giving up: the scheduler judges it per evaluation, and
     * a stop decided in a later one (another job's, say) can still make room.
     */
    private static final long BLOCKED_GRACE_NANOS = 1_500_000_000L;

    private final SchedulerClient client;
    private final String namespace;
    private final String job;
    private final PrintStream err;
    private final boolean terminal;

    RolloutProgress(SchedulerClient client, String namespace, String job) {
        this(client, namespace, job, System.err, System.console() != null);
    }

    RolloutProgress(SchedulerClient client, String namespace, String job, PrintStream err, boolean terminal) {
        this.client = client;
        this.namespace = namespace;
        this.job = job;
        this.err = err;
        this.terminal = terminal;
    }

    /** Waits for version {@code version}'s rollout to end (or {@code limit} to pass: TIMEOUT). */
    int await(long version, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Deployment d = follow(version, deadline);
        switch (d.getStatus()) {
            case DEPLOYMENT_SUCCESSFUL -> {
                err.println("rollout of version " + version + " complete: " + d.getStatusDescription());
                return ExitCodes.OK;
            }
            case DEPLOYMENT_ROLLED_BACK -> {
                err.println("rollout of version " + version + " FAILED and was rolled back: " + d.getStatusDescription());
                Deployment rollback = follow(d.getRollbackVersion(), deadline);
                err.println("now running version " + d.getRollbackVersion() + " (the spec of version "
                        + d.getRevertTo() + "): " + describe(rollback));
                return ExitCodes.ROLLED_BACK;
            }
            case DEPLOYMENT_CANCELLED -> {
                RolloutView now = view(0);
                throw new CliException(ExitCodes.ROLLOUT_FAILED, "rollout of version " + version + " cancelled ("
                        + d.getStatusDescription() + "); the job is at version " + now.getCurrentVersion());
            }
            default -> {
                int code = d.getDeadlineExceeded() ? ExitCodes.DEADLINE_EXCEEDED : ExitCodes.ROLLOUT_FAILED;
                throw new CliException(code, "rollout of version " + version + " failed: " + d.getStatusDescription()
                        + "; version " + version + " stays deployed (" + describe(d) + "); "
                        + "see `gantry status " + job + "`, `gantry rollout undo " + job + "`");
            }
        }
    }

    /** Polls until the rollout of {@code version} ends; prints a line whenever its progress changes. */
    private Deployment follow(long version, long deadline) throws InterruptedException {
        String last = "";
        long blockedSince = -1;
        while (true) {
            RolloutView view = view(version);
            Deployment d = view.getDeployment();
            JobSummary summary = view.getSummary();
            String line = "version " + version + ": " + describe(d) + timeLeft(d)
                    + (summary.getUnplaced() > 0 ? "; " + notPlaced(summary) : "");
            if (!line.equals(last)) {
                if (terminal) err.print("\r\033[K" + line);
                else err.println("  " + line);
                last = line;
            }
            if (d.getStatus() != DeploymentStatus.DEPLOYMENT_RUNNING) {
                if (terminal) err.println();
                return d;
            }
            // Nothing under way would let the scheduler place the rest: waiting cannot help.
            boolean blocked = summary.getUnplaced() > 0 && summary.getBlocked() && view.getCurrentVersion() == version;
            if (!blocked) {
                blockedSince = -1;
            } else if (blockedSince < 0) {
                blockedSince = System.nanoTime();
            } else if (System.nanoTime() - blockedSince >= BLOCKED_GRACE_NANOS) {
                if (terminal) err.println();
                throw new CliException(ExitCodes.UNPLACEABLE, "version " + version + " cannot be rolled out: "
                        + notPlaced(summary) + "; nothing under way in the cluster would make room. The scheduler places "
                        + "them once the cluster or the job changes (add or free a node, change the spec); "
                        + "see `gantry plan -f FILE`, `gantry status " + job + "`");
            }
            if (System.nanoTime() > deadline) {
                if (terminal) err.println();
                throw new CliException(ExitCodes.TIMEOUT, "gave up waiting for the rollout of version " + version
                        + " (" + describe(d) + "); it goes on: follow it with `gantry rollout status " + job + "`");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private static String notPlaced(JobSummary s) {
        return s.getUnplaced() + (s.getUnplaced() == 1 ? " replica" : " replicas") + " not placed: " + s.getPlacementFailure();
    }

    private RolloutView view(long version) {
        // Right after a submit the leader may not have written the record yet: wait for it.
        for (int i = 0; ; i++) {
            try {
                return client.call(s -> s.jobs().rollout(RolloutRequest.newBuilder()
                        .setNamespace(namespace).setJob(job).setVersion(version).build()));
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.NOT_FOUND || i >= 40) throw e;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILURE, "interrupted");
            }
        }
    }

    static String describe(Deployment d) {
        StringBuilder b = new StringBuilder();
        b.append(d.getPlaced()).append('/').append(d.getDesiredTotal()).append(" updated, ")
                .append(d.getHealthy()).append(" healthy");
        if (d.getUnavailable() > 0) b.append(", ").append(d.getUnavailable()).append(" unavailable");
        if (d.getOutdated() > 0) b.append(", ").append(d.getOutdated()).append(" old");
        if (d.getDesiredCanaries() > 0) {
            b.append(", canaries ").append(d.getDesiredCanaries()).append(d.getPromoted() ? " (promoted)" : "");
        }
        if (d.getPaused()) b.append(", PAUSED");
        b.append(" [").append(StatusWords.deployment(d.getStatus())).append(']');
        if (d.getStatus() == DeploymentStatus.DEPLOYMENT_RUNNING && !d.getStatusDescription().equals("rolling out")) {
            b.append(' ').append(d.getStatusDescription());
        }
        return b.toString();
    }

    private static String timeLeft(Deployment d) {
        if (d.getStatus() != DeploymentStatus.DEPLOYMENT_RUNNING || d.getPaused() || !d.hasRequireProgressBy()) return "";
        long s = Duration.between(Instant.now(), Instant.ofEpochMilli(Timestamps.toMillis(d.getRequireProgressBy()))).toSeconds();
        // Whole tens of seconds, so that a plain log does not get a line per second.
        return "; progress deadline in " + (s <= 0 ? "0s" : s >= 60 ? (s / 60) + "m" : ((s + 9) / 10 * 10) + "s");
    }
}
