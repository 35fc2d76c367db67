package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

class QuantitiesPropertiesTest {
  private static final long MAX_SECONDS = 315_576_000_000L;

  @Property
  void formattedDurationsParseBack(@ForAll("durations") Duration d) {
    assertThat(Quantities.parseDuration(Quantities.formatDuration(d))).isEqualTo(d);
  }

  @Property
  void formattingParsedDurationsIsStable(@ForAll("durationTexts") String text) {
    String once = Quantities.formatDuration(Quantities.parseDuration(text));
    assertThat(Quantities.formatDuration(Quantities.parseDuration(once))).isEqualTo(once);
  }

  @Property
  void formattedSizesParseBack(@ForAll long bytes) {
    assertThat(Quantities.parseSize(Quantities.formatSize(bytes))).isEqualTo(bytes);
  }

  @Property
  void formattedSizesAreNeverLongerThanPlainBytes(@ForAll long bytes) {
    assertThat(Quantities.formatSize(bytes).length()).isLessThanOrEqualTo(Long.toString(bytes).length());
  }

  @Property
  void formattingParsedSizesIsStable(@ForAll("sizeTexts") String text) {
    String once = Quantities.formatSize(Quantities.parseSize(text));
    assertThat(Quantities.formatSize(Quantities.parseSize(once))).isEqualTo(once);
    assertThat(Quantities.parseSize(once)).isEqualTo(Quantities.parseSize(text));
  }

  @Property
  void formattedCpuParsesBack(@ForAll @LongRange(min = -1_000_000_000_000L, max = 1_000_000_000_000L) long millis) {
    assertThat(Quantities.parseCpu(Quantities.formatCpu(millis))).isEqualTo(millis);
  }

  @Provide
  Arbitrary<Duration> durations() {
    Arbitrary<Long> seconds = Arbitraries.oneOf(
        Arbitraries.longs().between(0, 100_000), Arbitraries.longs().between(0, MAX_SECONDS));
    Arbitrary<Integer> nanos = Arbitraries.oneOf(
        Arbitraries.integers().between(0, 999_999_999), Arbitraries.of(0, 500_000_000, 250_000_000, 1_000, 1));
    return Combinators.combine(seconds, nanos, Arbitraries.of(true, false)).as((s, n, negative) ->
        Duration.newBuilder().setSeconds(negative ? -s : s).setNanos(negative ? -n : n).build());
  }

  @Provide
  Arbitrary<String> durationTexts() {
    Arbitrary<String> part = Combinators.combine(
        Arbitraries.integers().between(0, 5000),
        Arbitraries.of("", ".5", ".25", ".125"),
        Arbitraries.of("h", "m", "s", "ms", "us", "ns")).as((n, fraction, unit) ->
            // Sub-nanosecond fractions are rejected by design; keep fractions off ns.
            n + (unit.equals("ns") ? "" : fraction) + unit);
    return part.list().ofMinSize(1).ofMaxSize(4).map(parts -> String.join("", parts));
  }

  @Provide
  Arbitrary<String> sizeTexts() {
    List<String> suffixes = List.of("", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti");
    return Combinators.combine(Arbitraries.longs().between(0, 1_000_000), Arbitraries.of(suffixes))
        .as((n, suffix) -> n + suffix);
  }
}
