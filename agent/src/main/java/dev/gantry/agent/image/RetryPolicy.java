package dev.gantry.agent.image;

import java.time.Duration;

/**
 * How often to try a registry request that failed for a reason that may pass (connection error,
 * HTTP 5xx or 429), and how long to wait between tries: doubling from {@code firstBackoff} up to
 * {@code maxBackoff}.
 *
 * @param attempts total tries, at least 1
 */
public record RetryPolicy(int attempts, Duration firstBackoff, Duration maxBackoff) {
  /** Four tries over about 3.5 s: rides out a registry restart, fails before an operator waits long. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(4, Duration.ofMillis(500), Duration.ofSeconds(5));

  public RetryPolicy {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
    }
  }

  /** The pause after failed try number {@code attempt} (1-based). */
  Duration backoff(int attempt) {
    long millis = firstBackoff.toMillis() << Math.min(attempt - 1, 20);
    return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
  }

  static void sleep(Duration pause) throws ImageException {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted while waiting to retry a registry request", e);
    }
  }
}
