package dev.gantry.cli.client;

/**
 * Exit codes of every `gantry` command; a pipeline may branch on them, so they never change
 * meaning. Documented in the README and in `gantry --help`.
 */
public final class ExitCodes {
    public static final int OK = 0;
    /** Bad usage, or a job spec with problems. */
    public static final int USAGE = 1;
    /** A server-side failure not covered below. */
    public static final int FAILURE = 2;
    /** The job, allocation or node asked for does not exist. */
    public static final int NOT_FOUND = 3;
    /** No scheduler answered at the given address(es). */
    public static final int UNREACHABLE = 4;
    /** Waited for something (for example `run --wait`) that did not happen in time. */
    public static final int TIMEOUT = 5;
    /**
     * `plan`: some replica cannot be placed on the cluster as it is now; `run` and `rollout status`:
     * the same, and nothing under way would make room, so waiting cannot help. Apart from FAILURE because
     * a change in the cluster (a node added or freed) may help, where a server error would not.
     */
    public static final int UNPLACEABLE = 6;

    /** A rollout failed (a replica unhealthy) and no rollback happened: what runs may be a mix of versions. */
    public static final int ROLLOUT_FAILED = 7;
    /** A rollout failed and auto_revert redeployed the last good version. */
    public static final int ROLLED_BACK = 8;
    /** A rollout made no progress within its progress_deadline (and was not rolled back). */
    public static final int DEADLINE_EXCEEDED = 9;
    /** The scheduler refused the credentials (none, unknown, expired) or they do not allow this call. */
    public static final int DENIED = 10;

    private ExitCodes() {
    }

    public static final String HELP_TEXT = "Exit codes: 0 ok, 1 usage or invalid job spec, 2 server error, 3 not found, "
            + "4 scheduler unreachable, 5 timed out waiting, 6 cannot be placed (plan, run, rollout status), 7 rollout failed, "
            + "8 rollout failed and rolled back, 9 rollout deadline exceeded.";
}
