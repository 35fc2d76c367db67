package dev.gantry.agent.image;

import java.util.Locale;

/**
 * How far a pull has got, for a task's status line. Bytes count what was downloaded of the blobs
 * the store lacked (verified or not yet), against the sizes their manifest promises.
 *
 * @param reference the image as the task names it
 * @param phase what the store is doing now
 */
public record PullProgress(String reference, Phase phase, long bytesDone, long bytesTotal) {
  /** A pull's steps, in order. */
  public enum Phase { RESOLVING, DOWNLOADING, UNPACKING }

  /** "pulling docker.io/x:1: 12.3/50.1 MB", "unpacking docker.io/x:1", ... */
  public String describe() {
    return switch (phase) {
      case RESOLVING -> "pulling " + reference + ": resolving";
      case DOWNLOADING -> bytesTotal > 0
          ? String.format(Locale.ROOT, "pulling %s: %.1f/%.1f MB", reference, bytesDone / 1e6,
              bytesTotal / 1e6)
          : String.format(Locale.ROOT, "pulling %s: %.1f MB", reference, bytesDone / 1e6);
      case UNPACKING -> "unpacking " + reference;
    };
  }
}
