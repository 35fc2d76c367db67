package dev.gantry.agent.driver;

import java.time.Instant;

/** How a task ended. {@code exitCode} is 128+n when killed by signal n (as a shell reports it). */
public record ExitResult(int exitCode, boolean oomKilled, Instant finishedAt, String message) {
    public boolean succeeded() {
        return exitCode == 0 && !oomKilled;
    }

    /** The words every driver uses for {@code message}. */
    public static String describe(int exitCode, boolean oom) {
        if (oom) return "killed by the kernel's OOM killer (memory limit reached), exit code " + exitCode;
        if (exitCode > 128 && exitCode < 128 + 65) return "killed by signal " + (exitCode - 128);
        return "exited with code " + exitCode;
    }
}
