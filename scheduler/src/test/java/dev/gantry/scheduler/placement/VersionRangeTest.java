package dev.gantry.scheduler.placement;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VersionRangeTest {

    private static boolean matches(String range, String version) {
        return VersionRange.parse(range).matches(version);
    }

    @Test
    void comparesSegmentsAsNumbersAndPadsWithZeros() {
        assertThat(matches(">= 1.2", "1.10")).isTrue();
        assertThat(matches("> 1.2", "1.2.0")).isFalse();
        assertThat(matches("= 1.2", "1.2.0")).isTrue();
        assertThat(matches("1.2", "v1.2")).isTrue();
        assertThat(matches("!= 1.2", "1.3")).isTrue();
        assertThat(matches("<= 2", "2.0.1")).isFalse();
    }

    @Test
    void everyTermMustHold() {
        assertThat(matches(">= 1.2, < 2.0", "1.9.9")).isTrue();
        assertThat(matches(">= 1.2, < 2.0", "2.0")).isFalse();
        assertThat(matches(">= 1.2, < 2.0", "1.1")).isFalse();
    }

    @Test
    void pessimisticAllowsTheLastSegmentToGrow() {
        assertThat(matches("~> 2.1", "2.9")).isTrue();
        assertThat(matches("~> 2.1", "3.0")).isFalse();
        assertThat(matches("~> 2.1.3", "2.1.9")).isTrue();
        assertThat(matches("~> 2.1.3", "2.2.0")).isFalse();
        assertThat(matches("~> 2.1.3", "2.1.2")).isFalse();
    }

    @Test
    void aPreReleaseSortsBeforeItsRelease() {
        assertThat(matches("< 1.2.0", "1.2.0-rc1")).isTrue();
        assertThat(matches(">= 1.2.0-rc1", "1.2.0-rc2")).isTrue();
    }

    @Test
    void unparsableInputsNeitherParseNorMatch() {
        assertThat(VersionRange.parse("latest")).isNull();
        assertThat(VersionRange.parse(">= 1.2,")).isNull();
        assertThat(matches(">= 1.0", "unknown")).isFalse();
    }
}
