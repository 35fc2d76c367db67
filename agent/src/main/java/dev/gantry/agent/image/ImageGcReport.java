package dev.gantry.agent.image;

/**
 * What one garbage collection of the image store did.
 *
 * @param skipped true when it did nothing because pulls were in progress (it runs again later)
 * @param bytesInStore blobs plus unpacked layers afterwards
 */
public record ImageGcReport(boolean skipped, int imagesRemoved, int blobsRemoved, int layersRemoved,
    long bytesFreed, long bytesInStore) {
  static ImageGcReport skippedForPulls() {
    return new ImageGcReport(true, 0, 0, 0, 0, -1);
  }

  public boolean removedAnything() {
    return imagesRemoved + blobsRemoved + layersRemoved > 0;
  }
}
