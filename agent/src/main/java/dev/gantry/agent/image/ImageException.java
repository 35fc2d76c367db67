package dev.gantry.agent.image;

/**
 * An image could not be loaded, verified or unpacked. The message names the image and what to
 * fix, e.g. "image /x.tar: layer sha256:ab.. digest mismatch: expected .. got ..".
 */
public class ImageException extends Exception {
  public ImageException(String message) {
    super(message);
  }

  public ImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
