package dev.gantry.agent.alloc;

import com.google.protobuf.Duration;
import dev.gantry.api.v1.RestartPolicy;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RestartTrackerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static RestartPolicy policy(RestartPolicy.Mode mode, int attempts) {
        return RestartPolicy.newBuilder().setMode(mode).setAttempts(attempts)
                .setInterval(Duration.newBuilder().setSeconds(60)).setDelay(Duration.newBuilder().setSeconds(1)).build();
    }

    @Test
    void onFailureRestartsFailuresWithDoublingDelay() {
        RestartTracker t = new RestartTracker(policy(RestartPolicy.Mode.ON_FAILURE, 3));
        assertThat(t.onExit(1, false, T0)).isEqualTo(new RestartTracker.Decision.Restart(java.time.Duration.ofSeconds(1)));
        assertThat(t.onExit(1, false, T0.plusSeconds(2))).isEqualTo(new RestartTracker.Decision.Restart(java.time.Duration.ofSeconds(2)));
        assertThat(t.onExit(1, false, T0.plusSeconds(5))).isEqualTo(new RestartTracker.Decision.Restart(java.time.Duration.ofSeconds(4)));
        assertThat(t.onExit(1, false, T0.plusSeconds(10))).isInstanceOf(RestartTracker.Decision.GiveUp.class);
        assertThat(t.total()).isEqualTo(3);
    }

    @Test
    void onFailureLeavesASuccessfulExitAlone() {
        RestartTracker t = new RestartTracker(policy(RestartPolicy.Mode.ON_FAILURE, 3));
        assertThat(t.onExit(0, false, T0)).isInstanceOf(RestartTracker.Decision.Done.class);
    }

    @Test
    void aLivenessKillIsAFailureEvenWhenTheTaskExitsZeroOnItsSignal() {
        RestartTracker t = new RestartTracker(policy(RestartPolicy.Mode.ON_FAILURE, 3));
        assertThat(t.onExit(0, false, true, T0)).isInstanceOf(RestartTracker.Decision.Restart.class);
        assertThat(t.total()).isEqualTo(1);
    }

    @Test
    void anOomKillIsAFailureEvenWithExitZero() {
        RestartTracker t = new RestartTracker(policy(RestartPolicy.Mode.NEVER, 3));
        RestartTracker.Decision d = t.onExit(137, true, T0);
        assertThat(d).isInstanceOf(RestartTracker.Decision.GiveUp.class);
        assertThat(((RestartTracker.Decision.GiveUp) d).reason()).contains("OOM");
    }

    @Test
    void alwaysRestartsEvenAfterSuccess() {
        RestartTracker t = new RestartTracker(policy(RestartPolicy.Mode.ALWAYS, 1));
        assertThat(t.onExit(0, false, T0)).isInstanceOf(RestartTracker.Decision.Restart.class);
    }

    @Test
    void attemptsAreCountedWithinTheInterval() {
        RestartTracker t = new RestartTracker(policy(RestartPolicy.Mode.ON_FAILURE, 1));
        assertThat(t.onExit(1, false, T0)).isInstanceOf(RestartTracker.Decision.Restart.class);
        // The first restart has left the 60 s window: one more is allowed.
        assertThat(t.onExit(1, false, T0.plusSeconds(61))).isInstanceOf(RestartTracker.Decision.Restart.class);
        assertThat(t.onExit(1, false, T0.plusSeconds(62))).isInstanceOf(RestartTracker.Decision.GiveUp.class);
    }

    @Test
    void neverRestartsButASuccessIsDone() {
        RestartTracker t = new RestartTracker(policy(RestartPolicy.Mode.NEVER, 5));
        assertThat(t.onExit(0, false, T0)).isInstanceOf(RestartTracker.Decision.Done.class);
        assertThat(t.onExit(2, false, T0)).isInstanceOf(RestartTracker.Decision.GiveUp.class);
    }

    @Test
    void theDelayIsCapped() {
        RestartPolicy p = policy(RestartPolicy.Mode.ALWAYS, 100).toBuilder().setDelay(Duration.newBuilder().setSeconds(100)).build();
        RestartTracker t = new RestartTracker(p);
        RestartTracker.Decision last = null;
        for (int i = 0; i < 10; i++) last = t.onExit(1, false, T0.plusMillis(i));
        assertThat(((RestartTracker.Decision.Restart) last).delay()).isEqualTo(RestartTracker.MAX_DELAY);
    }
}
