package dev.gantry.agent.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads a task's CRI log file: the last N lines, and following the file for new lines by polling.
 * Only newline-terminated records are read; a record being written is picked up by the next poll.
 */
public final class LogFile {
    private static final int CHUNK = 64 * 1024;

    private LogFile() {
    }

    /** The last {@code n} whole lines (all when the file has fewer); empty when the file does not exist. */
    public static List<LogLine> tail(Path file, int n) throws IOException {
        return tailFrom(file, n).lines;
    }

    private record Tail(List<LogLine> lines, long resumeOffset) {
    }

    /**
     * Reads backwards in chunks until the window holds n+1 full-line records (the first one may
     * be cut or its partial records may lie before the window, so it is dropped) or the file's start.
     * {@code resumeOffset} is where the last whole line ends: records after it are still partial.
     */
    private static Tail tailFrom(Path file, int n) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            long start = size;
            byte[] window = new byte[0];
            while (true) {
                long next = Math.max(0, start - CHUNK);
                byte[] chunk = new byte[(int) (start - next)];
                raf.seek(next);
                raf.readFully(chunk);
                byte[] joined = new byte[chunk.length + window.length];
                System.arraycopy(chunk, 0, joined, 0, chunk.length);
                System.arraycopy(window, 0, joined, chunk.length, window.length);
                window = joined;
                start = next;
                if (start == 0 || countFullRecords(window, true) > n) break;
            }
            int from = 0;
            if (start > 0) {
                from = indexOf(window, 0) + 1; // skip the cut first line
            }
            int end = lastIndexOf(window) + 1; // ignore an unterminated last record
            if (end <= from) return new Tail(List.of(), start + Math.max(end, from));
            List<String> raw = Arrays.asList(new String(window, from, end - from, StandardCharsets.UTF_8).split("\n"));
            // Drop everything up to the first full record unless we are at the file's start.
            int firstWhole = 0;
            if (start > 0) {
                while (firstWhole < raw.size() && !isFull(raw.get(firstWhole))) firstWhole++;
                firstWhole++;
            }
            var joiner = new KubernetesLogFormat.Joiner();
            List<String> kept = raw.subList(Math.min(firstWhole, raw.size()), raw.size());
            List<LogLine> lines = joiner.acceptAll(kept);
            long resume = start + end - trailingPartialBytes(kept);
            List<LogLine> last = lines.size() <= n ? lines : lines.subList(lines.size() - n, lines.size());
            return new Tail(new ArrayList<>(last), resume);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return new Tail(List.of(), 0);
        }
    }

    /**
     * Emits the last {@code tailLines} lines, then every new line as it is written, polling every
     * {@code poll} on {@code executor} until the returned handle is cancelled. A file that shrinks
     * (truncated or replaced) is read again from its start. {@code sink} runs on the executor's thread.
     */
    public static ScheduledFuture<?> follow(Path file, int tailLines, Consumer<LogLine> sink, Duration poll,
                                            ScheduledExecutorService executor) throws IOException {
        Tail t = tailFrom(file, tailLines);
        t.lines.forEach(sink);
        Follower f = new Follower(file, t.resumeOffset, sink);
        return executor.scheduleWithFixedDelay(f::poll, poll.toMillis(), poll.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static final class Follower {
        private final Path file;
        private final Consumer<LogLine> sink;
        private final KubernetesLogFormat.Joiner joiner = new KubernetesLogFormat.Joiner();
        private long offset;

        Follower(Path file, long offset, Consumer<LogLine> sink) {
            this.file = file;
            this.offset = offset;
            this.sink = sink;
        }

        void poll() {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                long size = raf.length();
                if (size < offset) {
                    offset = 0;
                    joiner.reset();
                }
                while (size > offset) {
                    byte[] buf = new byte[(int) Math.min(CHUNK, size - offset)];
                    raf.seek(offset);
                    raf.readFully(buf);
                    int end = lastIndexOf(buf) + 1;
                    if (end == 0) {
                        if (buf.length == CHUNK) { // one record longer than a chunk: take it whole
                            end = buf.length;
                        } else {
                            return; // wait for the newline
                        }
                    }
                    String text = new String(buf, 0, end, StandardCharsets.UTF_8);
                    offset += end;
                    joiner.acceptAll(Arrays.asList(text.split("\n"))).forEach(sink);
                }
            } catch (IOException e) {
                // not there yet or gone; try again next poll
            }
        }
    }

    private static boolean isFull(String raw) {
        try {
            return !KubernetesLogFormat.parse(raw).partial();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int countFullRecords(byte[] window, boolean skipFirst) {
        String s = new String(window, StandardCharsets.UTF_8);
        String[] lines = s.split("\n", -1);
        int count = 0;
        // the first line may be cut and the last may be unterminated: count neither
        for (int i = skipFirst ? 1 : 0; i < lines.length - 1; i++) {
            if (isFull(lines[i])) count++;
        }
        return count;
    }

    private static long trailingPartialBytes(List<String> raw) {
        long bytes = 0;
        for (int i = raw.size() - 1; i >= 0 && !isFull(raw.get(i)); i--) {
            bytes += raw.get(i).getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return bytes;
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == '\n') return i;
        return b.length - 1;
    }

    private static int lastIndexOf(byte[] b) {
        for (int i = b.length - 1; i >= 0; i--) if (b[i] == '\n') return i;
        return -1;
    }
}
