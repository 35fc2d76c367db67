package dev.gantry.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.agent.logs.KubernetesLogFormat.Stream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class KubernetesLogFormatTest {

    @Test
    void parsesConmonRecord() {
        var r = KubernetesLogFormat.parse("2026-11-27T09:10:18.100074820+00:00 stdout F tick 0");
        assertThat(r.time()).isEqualTo(Instant.parse("2026-11-27T09:10:18.100074820Z"));
        assertThat(r.stream()).isEqualTo(Stream.STDOUT);
        assertThat(r.partial()).isFalse();
        assertThat(r.text()).isEqualTo("tick 0");
    }

    @Test
    void keepsSpacesAndEmptyText() {
        assertThat(KubernetesLogFormat.parse("2026-11-27T09:10:18Z stderr F   two  spaces ").text()).isEqualTo("  two  spaces ");
        assertThat(KubernetesLogFormat.parse("2026-11-27T09:10:18Z stderr F ").text()).isEmpty();
        assertThat(KubernetesLogFormat.parse("2026-11-27T09:10:18Z stderr F").text()).isEmpty();
    }

    @Test
    void parsesOffsetTimes() {
        var r = KubernetesLogFormat.parse("2026-11-27T10:10:18.5+01:00 stderr P x");
        assertThat(r.time()).isEqualTo(Instant.parse("2026-11-27T09:10:18.5Z"));
        assertThat(r.partial()).isTrue();
        assertThat(r.stream()).isEqualTo(Stream.STDERR);
    }

    @Test
    void rejectsMalformed() {
        assertThatThrownBy(() -> KubernetesLogFormat.parse("hello")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KubernetesLogFormat.parse("notatime stdout F x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KubernetesLogFormat.parse("2026-11-27T09:10:18Z stdin F x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KubernetesLogFormat.parse("2026-11-27T09:10:18Z stdout X x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void joinsPartialRecordsPerStream() {
        var j = new KubernetesLogFormat.Joiner();
        List<LogLine> lines = j.acceptAll(List.of(
                "2026-11-27T09:10:18Z stdout P hel",
                "2026-11-27T09:10:19Z stderr F error",
                "2026-11-27T09:10:20Z stdout P lo ",
                "garbage",
                "2026-11-27T09:10:21Z stdout F world"));
        assertThat(lines).containsExactly(
                new LogLine(Instant.parse("2026-11-27T09:10:19Z"), Stream.STDERR, "error"),
                new LogLine(Instant.parse("2026-11-27T09:10:18Z"), Stream.STDOUT, "hello world"));
    }

    @Test
    void formatRoundTrips() {
        Instant t = Instant.parse("2026-11-27T09:10:18.100074820Z");
        var r = KubernetesLogFormat.parse(KubernetesLogFormat.format(t, Stream.STDERR, "x y"));
        assertThat(r).isEqualTo(new KubernetesLogFormat.Record(t, Stream.STDERR, false, "x y"));
    }
}
