package dev.gantry.agent.logs;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The CRI log format: {@code <RFC3339Nano time> <stdout|stderr> <F|P> <text>}, one record per
 * line; {@code P} marks a partial record that continues in the stream's next record (conmon
 * splits long lines), {@code F} ends a line. Pure; {@link Joiner} is not thread-safe.
 */
public final class KubernetesLogFormat {

    public enum Stream {
        STDOUT, STDERR;

        public String label() {
            return this == STDOUT ? "stdout" : "stderr";
        }
    }

    /** One physical record of the file. */
    public record Record(Instant time, Stream stream, boolean partial, String text) {
    }

    private KubernetesLogFormat() {
    }

    /** Parses one record (without its newline); throws IllegalArgumentException when malformed. */
    public static Record parse(String line) {
        int a = line.indexOf(' ');
        int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
        if (a < 0 || b < 0) throw new IllegalArgumentException("not a CRI log record: " + abbreviate(line));
        Instant time;
        try {
            time = java.time.OffsetDateTime.parse(line.substring(0, a)).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad time in CRI log record: " + abbreviate(line));
        }
        Stream stream = switch (line.substring(a + 1, b)) {
            case "stdout" -> Stream.STDOUT;
            case "stderr" -> Stream.STDERR;
            default -> throw new IllegalArgumentException("bad stream in CRI log record: " + abbreviate(line));
        };
        // The tag field may carry more flags after ':' in newer CRI versions; only the first matters.
        int c = line.indexOf(' ', b + 1);
        String tag = c < 0 ? line.substring(b + 1) : line.substring(b + 1, c);
        String text = c < 0 ? "" : line.substring(c + 1);
        boolean partial = switch (tag.split(":")[0]) {
            case "P" -> true;
            case "F" -> false;
            default -> throw new IllegalArgumentException("bad tag in CRI log record: " + abbreviate(line));
        };
        return new Record(time, stream, partial, text);
    }

    /** Formats one full-line record, e.g. for tests and for lines the agent writes itself. */
    public static String format(Instant time, Stream stream, String text) {
        return time + " " + stream.label() + " F " + text;
    }

    /** Joins partial records per stream into whole lines, in the order their last record arrives. */
    public static final class Joiner {
        private final Map<Stream, StringBuilder> pending = new EnumMap<>(Stream.class);
        private final Map<Stream, Instant> firstTime = new EnumMap<>(Stream.class);

        /** Feeds one record; returns the line it completes, or null. */
        public LogLine accept(Record r) {
            if (r.partial()) {
                pending.computeIfAbsent(r.stream(), s -> new StringBuilder()).append(r.text());
                firstTime.putIfAbsent(r.stream(), r.time());
                return null;
            }
            StringBuilder sb = pending.remove(r.stream());
            Instant t = firstTime.remove(r.stream());
            if (sb == null) return new LogLine(r.time(), r.stream(), r.text());
            return new LogLine(t, r.stream(), sb.append(r.text()).toString());
        }

        /** Feeds raw lines, skipping malformed ones; returns the completed lines. */
        public List<LogLine> acceptAll(List<String> rawLines) {
            List<LogLine> out = new ArrayList<>();
            for (String raw : rawLines) {
                if (raw.isEmpty()) continue;
                Record r;
                try {
                    r = parse(raw);
                } catch (IllegalArgumentException e) {
                    continue;
                }
                LogLine l = accept(r);
                if (l != null) out.add(l);
            }
            return out;
        }

        public void reset() {
            pending.clear();
            firstTime.clear();
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
