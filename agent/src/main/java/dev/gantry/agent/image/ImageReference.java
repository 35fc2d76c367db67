package dev.gantry.agent.image;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A local image reference: {@code /abs/path[#selector]} or {@code file:/abs/path[#selector]}. The
 * selector picks one image from an archive that holds several ({@code name:tag}, or just a tag).
 * Registry references are {@link RegistryReference}s.
 */
record ImageReference(Path path, Optional<String> selector) {

  /**
   * Whether a reference names a local archive rather than a registry image. Only an absolute path
   * or the file: scheme does: "app.tar" is a registry repository name, as with docker.
   */
  static boolean isLocal(String reference) {
    String r = reference == null ? "" : reference.strip();
    return r.startsWith("/") || r.startsWith("file:");
  }

  static ImageReference parse(String reference) throws ImageException {
    if (reference == null || reference.isBlank()) {
      throw new ImageException("empty image reference");
    }
    String rest = reference.strip();
    if (rest.startsWith("file://")) {
      rest = rest.substring("file://".length());
    } else if (rest.startsWith("file:")) {
      rest = rest.substring("file:".length());
    }
    Optional<String> selector = Optional.empty();
    int hash = rest.lastIndexOf('#');
    if (hash >= 0) {
      String sel = rest.substring(hash + 1);
      if (sel.isEmpty()) {
        throw new ImageException("image reference '" + reference + "' has an empty #name:tag");
      }
      selector = Optional.of(sel);
      rest = rest.substring(0, hash);
    }
    if (!rest.startsWith("/")) {
      // Registry references are parsed by RegistryReference; this parser is for local archives.
      throw new ImageException("image reference '" + reference + "' is not a local image: use an"
          + " absolute path or file:/absolute/path to an OCI layout, OCI tar or docker-save tar");
    }
    return new ImageReference(Path.of(rest).normalize(), selector);
  }

  /**
   * Whether an archive's image name ({@code RepoTags} entry or OCI ref name) is what the selector
   * asks for. Lenient on purpose: "alpine:3" matches "docker.io/library/alpine:3", a bare tag "3"
   * matches "alpine:3", and a tag-only OCI ref name "3" matches "alpine:3"; ambiguity is caught
   * by the caller, which requires exactly one match.
   */
  static boolean matches(String selector, String candidate) {
    if (candidate == null || candidate.isEmpty()) {
      return false;
    }
    // As docker: a name without a tag also means name:latest.
    return matchesAsWritten(selector, candidate)
        || (!hasTag(selector) && matchesAsWritten(selector + ":latest", candidate));
  }

  private static boolean matchesAsWritten(String selector, String candidate) {
    return candidate.equals(selector) || candidate.endsWith("/" + selector)
        || tagOf(candidate).equals(selector) || candidate.equals(tagOf(selector));
  }

  private static boolean hasTag(String name) {
    return name.lastIndexOf(':') > name.lastIndexOf('/');
  }

  private static String tagOf(String name) {
    int colon = name.lastIndexOf(':');
    return colon > name.lastIndexOf('/') ? name.substring(colon + 1) : name;
  }
}
