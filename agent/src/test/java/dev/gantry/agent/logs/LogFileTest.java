package dev.gantry.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.agent.logs.KubernetesLogFormat.Stream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFileTest {
    private static final Instant T = Instant.parse("2026-11-27T09:10:18.100074820Z");
    @TempDir
    Path dir;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void tailOfMissingFileIsEmpty() throws IOException {
        assertThat(LogFile.tail(dir.resolve("none.log"), 10)).isEmpty();
    }

    @Test
    void tailReturnsLastLinesJoiningPartials() throws IOException {
        Path f = dir.resolve("a.log");
        write(f, rec("stdout", "F", "one"), rec("stdout", "P", "tw"), rec("stderr", "F", "err"),
                rec("stdout", "F", "o"), rec("stdout", "F", "three"));
        assertThat(texts(LogFile.tail(f, 2))).containsExactly("two", "three");
        assertThat(texts(LogFile.tail(f, 3))).containsExactly("err", "two", "three");
        assertThat(texts(LogFile.tail(f, 100))).containsExactly("one", "err", "two", "three");
        assertThat(LogFile.tail(f, 1).get(0).stream()).isEqualTo(Stream.STDOUT);
    }

    @Test
    void tailAcrossManyChunksAndIgnoresUnterminatedRecord() throws IOException {
        Path f = dir.resolve("big.log");
        String[] lines = IntStream.range(0, 20_000).mapToObj(i -> rec("stdout", "F", "line " + i)).toArray(String[]::new);
        write(f, lines);
        Files.writeString(f, T + " stdout F half-writ", StandardOpenOption.APPEND);
        List<LogLine> tail = LogFile.tail(f, 3);
        assertThat(texts(tail)).containsExactly("line 19997", "line 19998", "line 19999");
        assertThat(LogFile.tail(f, 20_000)).hasSize(20_000);
    }

    @Test
    void followEmitsTailThenNewLinesAndJoinsAcrossPolls() throws Exception {
        Path f = dir.resolve("f.log");
        write(f, rec("stdout", "F", "old1"), rec("stdout", "F", "old2"), rec("stdout", "P", "start-"));
        List<String> got = new CopyOnWriteArrayList<>();
        var handle = LogFile.follow(f, 1, l -> got.add(l.text()), Duration.ofMillis(10), executor);
        assertThat(got).containsExactly("old2");
        append(f, rec("stdout", "F", "end"));
        Files.writeString(f, T + " stderr F no newline yet", StandardOpenOption.APPEND);
        awaitSize(got, 2);
        Files.writeString(f, "\n", StandardOpenOption.APPEND);
        awaitSize(got, 3);
        assertThat(got).containsExactly("old2", "start-end", "no newline yet");
        handle.cancel(false);
        append(f, rec("stdout", "F", "after cancel"));
        Thread.sleep(50);
        assertThat(got).hasSize(3);
    }

    @Test
    void followRestartsAfterTruncation() throws Exception {
        Path f = dir.resolve("t.log");
        write(f, rec("stdout", "F", "a"), rec("stdout", "F", "b"));
        List<String> got = new CopyOnWriteArrayList<>();
        LogFile.follow(f, 0, l -> got.add(l.text()), Duration.ofMillis(10), executor);
        write(f, rec("stdout", "F", "c"));
        awaitSize(got, 1);
        assertThat(got).containsExactly("c");
    }

    @Test
    void followWaitsForFileToAppear() throws Exception {
        Path f = dir.resolve("later.log");
        List<String> got = new CopyOnWriteArrayList<>();
        LogFile.follow(f, 10, l -> got.add(l.text()), Duration.ofMillis(10), executor);
        write(f, rec("stdout", "F", "hello"));
        awaitSize(got, 1);
        assertThat(got).containsExactly("hello");
    }

    private static String rec(String stream, String tag, String text) {
        return T + " " + stream + " " + tag + " " + text;
    }

    private static void write(Path f, String... records) throws IOException {
        Files.writeString(f, String.join("\n", records) + "\n", StandardCharsets.UTF_8);
    }

    private static void append(Path f, String... records) throws IOException {
        Files.writeString(f, String.join("\n", records) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static List<String> texts(List<LogLine> lines) {
        return lines.stream().map(LogLine::text).toList();
    }

    private static void awaitSize(List<String> got, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (got.size() < n && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(got).hasSizeGreaterThanOrEqualTo(n);
    }
}
