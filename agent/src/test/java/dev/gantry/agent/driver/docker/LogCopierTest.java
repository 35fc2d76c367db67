package dev.gantry.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.gantry.agent.logs.KubernetesLogFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine log messages as CRI records, and where a resumed copy starts. */
class LogCopierTest {
    @TempDir
    Path dir;

    private static Frame frame(StreamType type, String payload) {
        return new Frame(type, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void fullAndPartialLinesBecomeCriRecords() {
        assertThat(LogCopier.record(frame(StreamType.STDOUT, "2026-11-27T09:10:18.100074820Z hello world\n"), null))
                .isEqualTo("2026-11-27T09:10:18.100074820Z stdout F hello world\n");
        assertThat(LogCopier.record(frame(StreamType.STDERR, "2026-11-27T09:10:18.000000001Z part of a long line"), null))
                .isEqualTo("2026-11-27T09:10:18.000000001Z stderr P part of a long line\n");
        assertThat(LogCopier.record(frame(StreamType.STDOUT, "2026-11-27T09:10:18Z \n"), null))
                .isEqualTo("2026-11-27T09:10:18Z stdout F \n");
        assertThat(LogCopier.record(frame(StreamType.STDOUT, "no timestamp\n"), null)).isNull();
    }

    @Test
    void recordsUpToTheResumePointAreSkipped() {
        Instant last = Instant.parse("2026-11-27T09:10:18.5Z");
        assertThat(LogCopier.record(frame(StreamType.STDOUT, "2026-11-27T09:10:18.400000000Z old\n"), last)).isNull();
        assertThat(LogCopier.record(frame(StreamType.STDOUT, "2026-11-27T09:10:18.500000000Z same\n"), last)).isNull();
        assertThat(LogCopier.record(frame(StreamType.STDOUT, "2026-11-27T09:10:18.500000001Z new\n"), last)).endsWith(" new\n");
    }

    @Test
    void theResumePointIsTheLastWholeRecordOfTheFile() throws Exception {
        Path f = dir.resolve("t.log");
        assertThat(LogCopier.lastRecordTime(f)).isNull();
        Files.writeString(f, "");
        assertThat(LogCopier.lastRecordTime(f)).isNull();
        Instant t1 = Instant.parse("2026-11-27T09:10:18.1Z");
        Instant t2 = Instant.parse("2026-11-27T09:10:19.2Z");
        Files.writeString(f, KubernetesLogFormat.format(t1, KubernetesLogFormat.Stream.STDOUT, "a") + "\n"
                + KubernetesLogFormat.format(t2, KubernetesLogFormat.Stream.STDERR, "b") + "\n" + "2026-11-27T09:1");
        assertThat(LogCopier.lastRecordTime(f)).isEqualTo(t2);
    }
}
