package dev.gantry.agent.security;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class NodeCredentialsTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @Test
    void aCertificateIsRenewedAtTwoThirdsOfWhatIsLeftOfIt() {
        assertThat(NodeCredentials.renewalDelay(NOW.plus(Duration.ofMinutes(1)), NOW)).isEqualTo(Duration.ofSeconds(40));
        assertThat(NodeCredentials.renewalDelay(NOW.plus(Duration.ofDays(30)), NOW)).isEqualTo(Duration.ofDays(20));
    }

    @Test
    void anExpiredCertificateIsRenewedAtOnce() {
        assertThat(NodeCredentials.renewalDelay(NOW.minusSeconds(1), NOW)).isZero();
    }
}
