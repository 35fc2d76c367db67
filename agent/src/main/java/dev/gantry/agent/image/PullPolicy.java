package dev.gantry.agent.image;

/**
 * When the store asks a registry for an image, as Kubernetes' {@code imagePullPolicy}. Local
 * archives (a path or {@code file:}) are read from their file whatever the policy.
 */
public enum PullPolicy {
  /**
   * Ask the registry on every call: a tag is resolved again (a moved tag is followed), a digest's
   * manifest fetched again (so access is checked). Only blobs the store lacks are downloaded.
   */
  ALWAYS,
  /** Use what the store already holds for the reference; pull only when it holds nothing. */
  IF_NOT_PRESENT,
  /** Never contact a registry: fail unless the image is already in the store. */
  NEVER;

  /**
   * The policy a task spec names ({@code always}, {@code if-not-present}, {@code never}), or the
   * default when it names none: {@code always} for {@code :latest} or no tag (such tags exist to
   * move), {@code if-not-present} for any other tag or a digest. Kubernetes' rule.
   *
   * @throws IllegalArgumentException for any other value (the job validator rejects them first)
   */
  public static PullPolicy of(String spec, String reference) {
    if (spec == null || spec.isEmpty()) {
      return defaultFor(reference);
    }
    return switch (spec) {
      case "always" -> ALWAYS;
      case "if-not-present" -> IF_NOT_PRESENT;
      case "never" -> NEVER;
      default -> throw new IllegalArgumentException("'" + spec + "' is not a pull policy"
          + " (always, if-not-present or never)");
    };
  }

  /** The default for a reference that names no policy; see {@link #of}. */
  public static PullPolicy defaultFor(String reference) {
    if (ImageReference.isLocal(reference)) {
      return IF_NOT_PRESENT;
    }
    try {
      RegistryReference ref = RegistryReference.parse(reference);
      return ref.digest() == null && "latest".equals(ref.tag()) ? ALWAYS : IF_NOT_PRESENT;
    } catch (ImageException e) {
      return ALWAYS; // unparsable: the pull reports why
    }
  }

  /** As written in a job spec. */
  public String spec() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
