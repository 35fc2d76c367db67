package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.protobuf.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantitiesTest {

  private static Duration nanos(long seconds, int nanos) {
    return Duration.newBuilder().setSeconds(seconds).setNanos(nanos).build();
  }

  @ParameterizedTest
  @CsvSource({
      "10s, 10, 0, 10s",
      "1m30s, 90, 0, 1m30s",
      "90s, 90, 0, 1m30s",
      "250ms, 0, 250000000, 250ms",
      "2h, 7200, 0, 2h",
      "1.5s, 1, 500000000, 1.5s",
      "1500ms, 1, 500000000, 1.5s",
      "1h0m5s, 3605, 0, 1h5s",
      "1h90m, 9000, 0, 2h30m",
      "0, 0, 0, 0s",
      "0s, 0, 0, 0s",
      "1.5ms, 0, 1500000, 1.5ms",
      "800ns, 0, 800, 800ns",
      "2us, 0, 2000, 2us",
      "2µs, 0, 2000, 2us",
      ".5h, 1800, 0, 30m",
      "-5s, -5, 0, -5s",
      "-1.5s, -1, -500000000, -1.5s",
      "3600.25s, 3600, 250000000, 1h0.25s",
  })
  void parsesAndFormatsDurations(String text, long seconds, int nanos, String formatted) {
    Duration d = Quantities.parseDuration(text);
    assertThat(d).isEqualTo(nanos(seconds, nanos));
    assertThat(Quantities.formatDuration(d)).isEqualTo(formatted);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "lots", "10", "1d", "s", "1.5.3s", "10 s", "1m 30s", "-", "10S"})
  void rejectsWhatIsNotADuration(String text) {
    assertThatThrownBy(() -> Quantities.parseDuration(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"" + text + "\" is not a duration (e.g. 10s, 1m30s, 250ms)");
  }

  @ParameterizedTest
  @CsvSource({"0.5ns, is finer than a nanosecond", "100000000000000h, 'is too long (at most 10,000 years)'"})
  void rejectsDurationsAProtoCannotHold(String text, String problem) {
    assertThatThrownBy(() -> Quantities.parseDuration(text)).hasMessage("\"" + text + "\" " + problem);
  }

  @ParameterizedTest
  @CsvSource({
      "256Mi, 268435456, 256Mi",
      "1Gi, 1073741824, 1Gi",
      "512M, 512000000, 512M",
      "1G, 1000000000, 1G",
      "100k, 100000, 100k",
      "100Ki, 102400, 100Ki",
      "1024, 1024, 1Ki",
      "1000, 1000, 1k",
      "1.5Gi, 1610612736, 1536Mi",
      "0.5k, 500, 500",
      "0, 0, 0",
      "1234, 1234, 1234",
      "8Ei, -1, x",
  })
  void parsesAndFormatsSizes(String text, long bytes, String formatted) {
    if (formatted.equals("x")) {
      assertThatThrownBy(() -> Quantities.parseSize(text)).hasMessage("\"8Ei\" is too large");
      return;
    }
    assertThat(Quantities.parseSize(text)).isEqualTo(bytes);
    assertThat(Quantities.formatSize(bytes)).isEqualTo(formatted);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lots", "", "1K", "1 Gi", "1gi", "1GB", "Mi", "1e3", "0x10"})
  void rejectsWhatIsNotASize(String text) {
    assertThatThrownBy(() -> Quantities.parseSize(text))
        .hasMessage("\"" + text + "\" is not a size (e.g. 256Mi, 1Gi)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1Ki", "0.5"})
  void rejectsPartialBytes(String text) {
    assertThatThrownBy(() -> Quantities.parseSize(text)).hasMessage("\"" + text + "\" is not a whole number of bytes");
  }

  @ParameterizedTest
  @CsvSource({"500m, 500, 500m", "0.5, 500, 500m", "2, 2000, 2", "1.5, 1500, 1500m", "2000m, 2000, 2",
      "0.001, 1, 1m", "0, 0, 0", "-1, -1000, -1"})
  void parsesAndFormatsCpu(String text, long millis, String formatted) {
    assertThat(Quantities.parseCpu(text)).isEqualTo(millis);
    assertThat(Quantities.formatCpu(millis)).isEqualTo(formatted);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lots", "", "500M", "1 core", "m", "0.5m"})
  void rejectsWhatIsNotCpu(String text) {
    assertThatThrownBy(() -> Quantities.parseCpu(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @org.junit.jupiter.api.Test
  void reportsCpuFinerThanAMillicore() {
    assertThatThrownBy(() -> Quantities.parseCpu("0.0005"))
        .hasMessage("\"0.0005\" is finer than 1m (a thousandth of a core)");
    assertThatThrownBy(() -> Quantities.parseCpu("lots"))
        .hasMessage("\"lots\" is not a CPU amount (e.g. 500m, 0.5, 2)");
  }

  @org.junit.jupiter.api.Test
  void rejectsALongRunOfDigitsBeforeJunkWithoutBacktracking() {
    // Before the patterns were possessive, 20,000 digits took 10 s here (quadratic); 100,000 minutes.
    String digits = "9".repeat(100_000);
    assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
      assertThatThrownBy(() -> Quantities.parseSize(digits + "x")).hasMessageContaining("is not a size");
      assertThatThrownBy(() -> Quantities.parseCpu(digits + "x")).hasMessageContaining("is not a CPU amount");
      assertThatThrownBy(() -> Quantities.parseDuration(digits + "x")).hasMessageContaining("is not a duration");
      assertThatThrownBy(() -> Quantities.parseDuration("1s".repeat(50_000) + "x"))
          .hasMessageContaining("is not a duration");
      assertThatThrownBy(() -> Quantities.parseSize(digits + "Gi")).hasMessageContaining("is too large");
    });
  }
}
