package dev.gantry.agent.driver;

import java.time.Instant;

/** How a task ended. {@code exitCode} is 128+n when killed by signal n (as a shell reports it). */
public record ExitResult(int exitCode, boolean oomKilled, Instant finishedAt, String message) {
    public boolean succeeded() {
        return exitCode == 0 && !oomKilled;
    }
}
