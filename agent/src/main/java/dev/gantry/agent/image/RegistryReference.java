package dev.gantry.agent.image;

import java.util.regex.Pattern;

/**
 * An image in a registry, normalised the way Docker does: {@code nginx} is
 * {@code docker.io/library/nginx:latest}; the first path component is a registry host only if it
 * has a '.' or ':' or is {@code localhost}. With a digest the tag is kept for display but the
 * digest is what is pulled.
 *
 * @param registry host[:port], {@code docker.io} for Docker Hub
 * @param tag the tag, or null when only a digest was given
 * @param digest {@code sha256:...}, or null for a tag reference
 */
public record RegistryReference(String registry, String repository, String tag, String digest) {
  public static final String DOCKER_HUB = "docker.io";
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final Pattern REPOSITORY = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]+(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?");

  public static RegistryReference parse(String reference) throws ImageException {
    String rest = reference == null ? "" : reference.strip();
    if (rest.isEmpty()) {
      throw new ImageException("empty image reference");
    }
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = Digests.check(rest.substring(at + 1), "image reference '" + reference + "'");
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new ImageException("image reference '" + reference + "' has an invalid tag '" + tag
            + "' (letters, digits, '_', '.', '-'; at most 128)");
      }
    }
    String registry = DOCKER_HUB;
    String repository = rest;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        registry = first;
        repository = rest.substring(slash + 1);
        if (!HOST.matcher(registry).matches()) {
          throw new ImageException("image reference '" + reference + "' has an invalid registry"
              + " host '" + registry + "'");
        }
      }
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
      repository = "library/" + repository; // Docker Hub's official images
    }
    if (!REPOSITORY.matcher(repository).matches() || repository.length() > 255) {
      throw new ImageException("image reference '" + reference + "' has an invalid repository '"
          + repository + "' (lowercase letters, digits and separators . _ - /)");
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new RegistryReference(registry, repository, tag, digest);
  }

  /** What to ask the registry's manifest endpoint for: the digest if any, else the tag. */
  public String manifestReference() {
    return digest != null ? digest : tag;
  }

  /** The host the distribution API is served on: Docker Hub's API lives elsewhere than its name. */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
  }

  @Override
  public String toString() {
    return registry + "/" + repository + (tag != null ? ":" + tag : "")
        + (digest != null ? "@" + digest : "");
  }
}
