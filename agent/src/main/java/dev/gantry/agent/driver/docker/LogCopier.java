package dev.gantry.agent.driver.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.gantry.agent.logs.KubernetesLogFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one container's output from the engine's logs endpoint into the agent's log file in the
 * Kubernetes format, so that the agent's log service reads docker tasks exactly as runc ones
 * (for which conmon writes that file). Follows until the output ends (the container exited) or
 * {@link #close()}; {@link #done()} then completes.
 *
 * <p>Resumable: a copier started after an agent restart asks for output since the last record in
 * the file and skips records up to that record's timestamp, so nothing is written twice. Output
 * the engine discarded meanwhile (its own copy is capped, see {@link ContainerSpec}) is lost.
 */
final class LogCopier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogCopier.class);
    private static final int TAIL_BYTES = 64 * 1024;

    private final Path file;
    private final Instant after;
    private final OutputStream out;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile ResultCallback.Adapter<Frame> stream;
    private volatile boolean closed;

    private LogCopier(Path file, Instant after, OutputStream out) {
        this.file = file;
        this.after = after;
        this.out = out;
    }

    /** Starts following {@code container}'s stdout and stderr into {@code file} (appending). */
    static LogCopier start(Engine engine, String container, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Instant last = lastRecordTime(file);
        LogCopier c = new LogCopier(file, last, Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        var cmd = engine.streams().logContainerCmd(container).withStdOut(true).withStdErr(true)
                .withTimestamps(true).withFollowStream(true);
        if (last != null) cmd.withSince((int) last.getEpochSecond());
        c.stream = cmd.exec(c.new Receiver());
        return c;
    }

    /** Completes once everything the container wrote is in the file (or the copy was closed or failed). */
    CompletableFuture<Void> done() {
        return done;
    }

    @Override
    public void close() {
        closed = true;
        var s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // the stream is gone either way
            }
        }
        finish();
    }

    private synchronized void finish() {
        try {
            out.close();
        } catch (IOException e) {
            LOG.debug("closing {}", file, e);
        }
        done.complete(null);
    }

    private final class Receiver extends ResultCallback.Adapter<Frame> {
        @Override
        public void onNext(Frame frame) {
            if (frame.getStreamType() != StreamType.STDOUT && frame.getStreamType() != StreamType.STDERR) return;
            String record = record(frame, after);
            if (record == null) return;
            synchronized (LogCopier.this) {
                if (done.isDone()) return;
                try {
                    out.write(record.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException e) {
                    LOG.warn("cannot write the log of a docker task to {}: {}", file, e.toString());
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!closed) LOG.warn("following the docker logs into {} failed: {}", file, t.toString());
            try {
                close(); // this stream's; not super.onError, which logs every closed stream as an error
            } catch (IOException e) {
                // gone either way
            }
            finish();
        }

        @Override
        public void onComplete() {
            finish();
            super.onComplete(); // closing the stream interrupts this thread: nothing may follow
        }
    }

    /**
     * One engine message ({@code <RFC3339Nano time> <text>}, a full line ends with a newline) as a
     * CRI record; null when it was copied before (not after {@code after}, which may be null).
     */
    static String record(Frame frame, Instant after) {
        String s = new String(frame.getPayload(), StandardCharsets.UTF_8);
        int sp = s.indexOf(' ');
        if (sp < 0) return null;
        Instant time;
        try {
            time = OffsetDateTime.parse(s.substring(0, sp)).toInstant();
        } catch (RuntimeException e) {
            return null; // not a timestamped message: nothing the engine sends with timestamps on
        }
        if (after != null && !time.isAfter(after)) return null;
        String text = s.substring(sp + 1);
        boolean full = text.endsWith("\n");
        if (full) text = text.substring(0, text.length() - 1);
        KubernetesLogFormat.Stream stream = frame.getStreamType() == StreamType.STDERR
                ? KubernetesLogFormat.Stream.STDERR : KubernetesLogFormat.Stream.STDOUT;
        String line = KubernetesLogFormat.format(time, stream, text);
        if (!full) line = line.replaceFirst(" F ", " P ");
        return line + "\n";
    }

    /** The time of the last whole record in the file, or null for an empty or missing file. */
    static Instant lastRecordTime(Path file) throws IOException {
        if (!Files.exists(file)) return null;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, TAIL_BYTES);
            byte[] buf = new byte[n];
            f.seek(len - n);
            f.readFully(buf);
            String[] lines = new String(buf, StandardCharsets.UTF_8).split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                try {
                    return KubernetesLogFormat.parse(lines[i]).time();
                } catch (IllegalArgumentException e) {
                    // a cut first line, or a torn last one: look further up
                }
            }
            return null;
        }
    }
}
