package dev.gantry.agent.health;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The pass/fail machine of one check, on a hand-moved clock. */
class CheckStateTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ProbeResult OK = ProbeResult.pass("HTTP 200");
    private static final ProbeResult BAD = ProbeResult.fail("HTTP 500");

    private static CheckPolicy policy(Duration initialDelay, int failures, int successes) {
        return new CheckPolicy(Duration.ofSeconds(5), Duration.ofSeconds(1), initialDelay, failures, successes);
    }

    @Test
    void readinessStartsFailingAndPassesAfterTheSuccessThreshold() {
        CheckState s = new CheckState(policy(Duration.ZERO, 3, 2), T0, false);
        assertThat(s.passing()).isFalse();
        assertThat(s.detail()).isEqualTo("not probed yet");
        assertThat(s.record(OK, T0)).isFalse();
        assertThat(s.passing()).isFalse();
        assertThat(s.record(OK, T0.plusSeconds(5))).isTrue();
        assertThat(s.passing()).isTrue();
    }

    @Test
    void aPassingCheckFailsOnlyAfterTheFailureThresholdInARow() {
        CheckState s = new CheckState(policy(Duration.ZERO, 3, 1), T0, true);
        assertThat(s.record(BAD, T0)).isFalse();
        assertThat(s.record(BAD, T0.plusSeconds(5))).isFalse();
        assertThat(s.passing()).isTrue();
        assertThat(s.record(BAD, T0.plusSeconds(10))).isTrue();
        assertThat(s.passing()).isFalse();
        assertThat(s.detail()).isEqualTo("HTTP 500");
        // Further failures change nothing more.
        assertThat(s.record(BAD, T0.plusSeconds(15))).isFalse();
    }

    @Test
    void flappingNeverReachesEitherThreshold() {
        CheckState s = new CheckState(policy(Duration.ZERO, 2, 2), T0, true);
        Instant t = T0;
        for (int i = 0; i < 10; i++) {
            assertThat(s.record(i % 2 == 0 ? BAD : OK, t)).isFalse();
            t = t.plusSeconds(5);
        }
        assertThat(s.passing()).isTrue();

        CheckState failing = new CheckState(policy(Duration.ZERO, 2, 2), T0, false);
        for (int i = 0; i < 10; i++) failing.record(i % 2 == 0 ? OK : BAD, T0.plusSeconds(5L * i));
        assertThat(failing.passing()).isFalse();
    }

    @Test
    void noProbeIsDueBeforeTheInitialDelayThenOneEveryInterval() {
        CheckState s = new CheckState(policy(Duration.ofSeconds(30), 1, 1), T0, false);
        assertThat(s.nextProbeAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(s.probeDue(T0.plusSeconds(29))).isFalse();
        assertThat(s.probeDue(T0.plusSeconds(30))).isTrue();
        s.record(OK, T0.plusSeconds(30));
        assertThat(s.nextProbeAt()).isEqualTo(T0.plusSeconds(35));
        assertThat(s.probeDue(T0.plusSeconds(34))).isFalse();
        assertThat(s.probeDue(T0.plusSeconds(35))).isTrue();
    }

    @Test
    void recoversAfterAFailureAndCountsAgainFromZero() {
        CheckState s = new CheckState(policy(Duration.ZERO, 2, 1), T0, true);
        s.record(BAD, T0);
        s.record(OK, T0.plusSeconds(5));
        assertThat(s.consecutiveFailures()).isZero();
        assertThat(s.record(BAD, T0.plusSeconds(10))).isFalse();
        assertThat(s.record(BAD, T0.plusSeconds(15))).isTrue();
        assertThat(s.record(OK, T0.plusSeconds(20))).isTrue();
        assertThat(s.passing()).isTrue();
    }

    @Test
    void policyDefaultsFromAnEmptyCheck() {
        CheckPolicy p = CheckPolicy.of(dev.gantry.api.v1.Check.newBuilder().setKind("readiness").setType("tcp").build());
        assertThat(p).isEqualTo(new CheckPolicy(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ZERO, 3, 1));
    }
}
