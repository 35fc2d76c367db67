package dev.gantry.agent.image;

/**
 * An image could not be loaded, verified or unpacked. The message names the image and what to
 * fix, e.g. "image /x.tar: layer sha256:ab.. digest mismatch: expected .. got ..". The
 * {@link Reason} lets callers (allocation status, CLI) tell an operator's mistake from an outage
 * without parsing messages.
 */
public class ImageException extends Exception {
  /** What went wrong, in the terms an operator acts on. */
  public enum Reason {
    /** The registry has no such repository, tag or digest. */
    NOT_FOUND,
    /** The registry refused access even after authenticating (or no credentials were found). */
    UNAUTHORIZED,
    /** A multi-platform image has no manifest for this node's OS and architecture. */
    NO_MATCHING_PLATFORM,
    /** Content did not match its digest: corrupt or tampered. */
    DIGEST_MISMATCH,
    /** The registry could not be reached, or kept failing, after retries. */
    UNREACHABLE,
    OTHER;

    /** How the reason starts an error message ("unauthorized: ..."); empty for OTHER. */
    public String label() {
      return switch (this) {
        case NOT_FOUND -> "not found";
        case UNAUTHORIZED -> "unauthorized";
        case NO_MATCHING_PLATFORM -> "no matching platform";
        case DIGEST_MISMATCH -> "digest mismatch";
        case UNREACHABLE -> "registry unreachable";
        case OTHER -> "";
      };
    }
  }

  private final Reason reason;

  public ImageException(String message) {
    this(Reason.OTHER, message, null);
  }

  public ImageException(Reason reason, String message) {
    this(reason, message, null);
  }

  public ImageException(String message, Throwable cause) {
    this(Reason.OTHER, message, cause);
  }

  /** Re-wraps with more context and keeps the cause's reason. */
  public ImageException(String message, ImageException cause) {
    this(cause.reason(), message, cause);
  }

  public ImageException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
