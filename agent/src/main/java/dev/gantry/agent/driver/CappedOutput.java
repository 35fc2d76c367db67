package dev.gantry.agent.driver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Collects a command's output up to {@link ExecResult#OUTPUT_LIMIT} bytes and drops the rest. Thread-safe. */
public final class CappedOutput {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private boolean truncated;

    public synchronized void write(byte[] bytes, int offset, int length) {
        int room = ExecResult.OUTPUT_LIMIT - kept.size();
        if (length > room) truncated = true;
        kept.write(bytes, offset, Math.max(0, Math.min(room, length)));
    }

    /** Reads {@code in} to its end (or until it fails: the process went away), keeping what fits. */
    public void drain(InputStream in) {
        byte[] buf = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buf)) >= 0; ) write(buf, 0, n);
        } catch (IOException e) {
            // the command's end closed the pipe: what was read is what it said
        }
    }

    public synchronized String text() {
        return kept.toString(StandardCharsets.UTF_8);
    }

    public synchronized boolean truncated() {
        return truncated;
    }

    public ExecResult result(int exitCode, boolean timedOut) {
        return new ExecResult(exitCode, timedOut, text(), truncated());
    }
}
