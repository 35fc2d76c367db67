package dev.gantry.scheduler.liveness;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class WatchWindowTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final WatchWindow window = new WatchWindow(Duration.ofSeconds(5));

    @Test
    void opensOnTheFirstTickAndStaysOpenWhileTicksAreRegular() {
        assertThat(window.observe(true, T0)).contains(T0);
        assertThat(window.observe(true, T0.plusSeconds(1))).contains(T0);
        assertThat(window.observe(true, T0.plusSeconds(6))).contains(T0);
    }

    @Test
    void decidesNothingWhileNotLeadingAndReopensOnBecomingLeader() {
        window.observe(true, T0);
        assertThat(window.observe(false, T0.plusSeconds(1))).isEmpty();
        assertThat(window.observe(true, T0.plusSeconds(2))).contains(T0.plusSeconds(2));
    }

    @Test
    void reopensAfterTheLoopItselfStalled() {
        window.observe(true, T0);
        // A 6 s pause of this JVM: heartbeats may be queued unprocessed, so silence proves nothing.
        assertThat(window.observe(true, T0.plusSeconds(6))).contains(T0.plusSeconds(6));
        assertThat(window.observe(true, T0.plusSeconds(7))).contains(T0.plusSeconds(6));
    }
}
