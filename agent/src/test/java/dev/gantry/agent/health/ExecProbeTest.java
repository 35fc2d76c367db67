package dev.gantry.agent.health;

import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.ExecResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The exec probe against a fake container: what passes, what fails, and what the detail says. */
class ExecProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private final List<Duration> timeouts = new ArrayList<>();

    private ExecProbe probe(ExecResult result, String... command) {
        return new ExecProbe((cmd, timeout) -> {
            assertThat(cmd).containsExactly(command);
            timeouts.add(timeout);
            return result;
        }, List.of(command));
    }

    @Test
    void passesOnExitZeroWithTheCheckTimeout() {
        ProbeResult r = probe(new ExecResult(0, false, "ok\n", false), "pg_isready", "-q").probe(TIMEOUT);
        assertThat(r.ok()).isTrue();
        assertThat(r.detail()).isEqualTo("`pg_isready -q` exited with 0: ok");
        assertThat(timeouts).containsExactly(TIMEOUT);
    }

    @Test
    void failsOnNonZeroExitNamingTheLastLineOfOutput() {
        ProbeResult r = probe(new ExecResult(2, false, "checking\nno response from db\n\n", false), "check").probe(TIMEOUT);
        assertThat(r.ok()).isFalse();
        assertThat(r.detail()).isEqualTo("`check` exited with 2: no response from db");
        assertThat(probe(new ExecResult(1, false, "x".repeat(1000), false), "c").probe(TIMEOUT).detail()).hasSizeLessThan(250);
    }

    @Test
    void failsWhenTheCommandTimesOutEvenIfItsCodeLooksFine() {
        ProbeResult r = probe(new ExecResult(0, true, "", false), "sleep", "60").probe(Duration.ofMillis(250));
        assertThat(r.ok()).isFalse();
        assertThat(r.detail()).isEqualTo("`sleep 60` did not finish within 250ms");
    }

    @Test
    void failsWithoutThrowingWhenTheDriverCannotExec() {
        ExecProbe notRunning = new ExecProbe((cmd, t) -> {
            throw new DriverException("container c1 is not running");
        }, List.of("true"));
        assertThat(notRunning.probe(TIMEOUT)).isEqualTo(ProbeResult.fail("`true`: container c1 is not running"));
        ExecProbe broken = new ExecProbe((cmd, t) -> {
            throw new IllegalStateException("boom");
        }, List.of("true"));
        assertThat(broken.probe(TIMEOUT).ok()).isFalse();
    }

    @Test
    void anEmptyCommandFailsWithoutRunningAnything() {
        ExecProbe empty = new ExecProbe((cmd, t) -> {
            throw new AssertionError("must not run");
        }, List.of());
        assertThat(empty.probe(TIMEOUT)).isEqualTo(ProbeResult.fail("the exec check has no command"));
    }
}
