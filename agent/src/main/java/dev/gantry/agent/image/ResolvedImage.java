package dev.gantry.agent.image;

import java.util.List;

/**
 * What a reader found for one image: its manifest and config (already verified and in the blob
 * store) and where each layer blob lives in the archive, lowest layer first.
 */
record ResolvedImage(String manifestDigest, String configDigest, List<LayerBlob> layers) {
  /**
   * @param digest the blob digest the manifest promises, or null when the archive does not say
   *     (legacy docker save: the layer is then verified by its config diff_id alone)
   * @param mediaType the manifest's media type, or null when unknown (sniffed on extraction)
   * @param size the manifest's size for the blob, or -1 when unknown
   */
  record LayerBlob(String digest, String archivePath, String mediaType, long size) {
    LayerBlob(String digest, String archivePath, String mediaType) {
      this(digest, archivePath, mediaType, -1);
    }
  }
}
