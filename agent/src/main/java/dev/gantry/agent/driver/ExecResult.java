package dev.gantry.agent.driver;

/**
 * What a command run in a task's container did. {@code output} is its stdout and stderr as
 * they interleaved, at most {@link #OUTPUT_LIMIT} bytes (then {@code truncated}); the rest
 * was read and dropped, so a chatty command never blocks on a full pipe.
 *
 * @param exitCode as a shell reports it (128+n when killed by signal n); -1 when timed out
 * @param timedOut the command was still running at the timeout and was killed
 */
public record ExecResult(int exitCode, boolean timedOut, String output, boolean truncated) {
    public static final int OUTPUT_LIMIT = 64 * 1024;

    public boolean succeeded() {
        return !timedOut && exitCode == 0;
    }
}
