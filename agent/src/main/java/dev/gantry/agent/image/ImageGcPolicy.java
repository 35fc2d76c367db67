package dev.gantry.agent.image;

import java.time.Duration;

/**
 * When the image store removes images that no allocation uses. An unused image goes when it has
 * not been used for {@code maxUnusedAge}, or, least recently used first, while the store is
 * larger than {@code maxStoreBytes} (down to {@link #targetBytes()}, so that one more pull does
 * not start a collection at once). Nothing used within {@code minAge} is removed: a pull that
 * has just finished has not started its container yet.
 *
 * @param maxStoreBytes blobs plus unpacked layers; 0: no size limit
 * @param maxUnusedAge zero: no age limit
 */
public record ImageGcPolicy(long maxStoreBytes, Duration maxUnusedAge, Duration minAge) {
  /** 10 GiB, a day unused, 10 minutes' grace. */
  public static final ImageGcPolicy DEFAULTS =
      new ImageGcPolicy(10L << 30, Duration.ofHours(24), Duration.ofMinutes(10));

  public ImageGcPolicy {
    if (maxStoreBytes < 0 || maxUnusedAge.isNegative() || minAge.isNegative()) {
      throw new IllegalArgumentException("image GC thresholds must not be negative");
    }
  }

  /** What a size-triggered collection shrinks the store to: 80% of the limit. */
  public long targetBytes() {
    return maxStoreBytes / 10 * 8;
  }
}
