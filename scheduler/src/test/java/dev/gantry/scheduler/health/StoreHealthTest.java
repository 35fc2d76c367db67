package dev.gantry.scheduler.health;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The cached store probe: answers from the last probe, says for how long the store has not answered. */
class StoreHealthTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-27T12:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final AtomicReference<CompletableFuture<Void>> answer = new AtomicReference<>(CompletableFuture.completedFuture(null));
    private final StoreHealth health = new StoreHealth(() -> answer.get(), clock, Duration.ofMillis(20));

    private void advance(int seconds) {
        now.set(now.get().plusSeconds(seconds));
    }

    @Test
    void healthyUntilAProbeFailsThenSaysSinceWhenTheStoreHasNotAnswered() {
        assertThat(health.degraded()).isEmpty();
        health.probeOnce();
        assertThat(health.degraded()).isEmpty();

        advance(3);
        answer.set(CompletableFuture.failedFuture(new java.io.IOException("connection refused: etcd:2379")));
        health.probeOnce();
        assertThat(health.degraded()).isEqualTo("state store unreachable for 3s (connection refused: etcd:2379)");
        // Read without probing again: the cached result, with the time moving on.
        advance(9);
        assertThat(health.degraded()).isEqualTo("state store unreachable for 12s (connection refused: etcd:2379)");

        answer.set(CompletableFuture.completedFuture(null));
        health.probeOnce();
        assertThat(health.degraded()).isEmpty();
    }

    @Test
    void aProbeWithoutAnAnswerWithinTheTimeoutIsAFailure() {
        answer.set(new CompletableFuture<>());   // a paused store: never answers
        advance(5);
        health.probeOnce();
        assertThat(health.degraded()).isEqualTo("state store unreachable for 5s (no answer within 20ms)");
    }

    @Test
    void aProbeThatThrowsIsAFailure() {
        StoreHealth throwing = new StoreHealth(() -> {
            throw new IllegalStateException("store closed");
        }, clock, Duration.ofSeconds(1));
        throwing.probeOnce();
        assertThat(throwing.degraded()).isEqualTo("state store unreachable for 0s (java.lang.IllegalStateException: store closed)");
    }
}
