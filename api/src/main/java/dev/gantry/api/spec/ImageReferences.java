package dev.gantry.api.spec;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a task's image as the agent will read it. A local archive is an absolute path, a
 * {@code file:} reference (both as the agent's {@code ImageStore.isLocal}) or a path starting
 * with {@code ./} or {@code ../}, which the CLI makes absolute against the job file; an
 * optional {@code #name:tag} picks one image of an archive. Anything else is a registry
 * reference in the grammar of the OCI distribution spec ({@code distribution/reference}):
 * {@code [host[:port]/]path[:tag][@algorithm:hex]}.
 */
final class ImageReferences {
  static final String EXAMPLES = " (e.g. registry.example.com/shop/web:1.4.2, nginx@sha256:..., ./web.tar)";
  // As distribution/reference, where a name is at most 255 characters.
  private static final int MAX_NAME_LENGTH = 255;
  private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final Pattern PATH = Pattern.compile(PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*");
  private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern DOMAIN = Pattern.compile(
      "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+])(?::[0-9]+)?");
  private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile(
      "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");
  // The OCI image spec's registered algorithms have an exact form.
  private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("sha512:[a-f0-9]{128}");

  private ImageReferences() {}

  static boolean isLocal(String image) {
    return image.startsWith("/") || image.startsWith("file:") || image.startsWith("./") || image.startsWith("../");
  }

  /** Why {@code image} (not blank) is not an image reference: "" for no particular reason; empty when it is one. */
  static Optional<String> problem(String image) {
    return isLocal(image) ? localProblem(image) : registryProblem(image);
  }

  private static Optional<String> localProblem(String image) {
    String path = image.replaceFirst("^file:(//)?", "");
    int hash = path.lastIndexOf('#');
    if (path.isEmpty() || path.startsWith("#")) {
      return Optional.of("the path is empty");
    } else if (hash == path.length() - 1) {
      return Optional.of("nothing after #: write #name:tag to pick one image of the archive");
    } else if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return Optional.of("a path has no control characters");
    }
    return Optional.empty();
  }

  private static Optional<String> registryProblem(String image) {
    String name = image;
    String digest = null;
    String tag = null;
    int at = name.indexOf('@');
    if (at >= 0) {
      digest = name.substring(at + 1);
      name = name.substring(0, at);
    }
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      tag = name.substring(colon + 1);
      name = name.substring(0, colon);
    }
    // The name first: when it is wrong, what follows it may only look like a tag ("::::").
    Optional<String> nameProblem = nameProblem(name);
    if (nameProblem.isPresent()) {
      return nameProblem;
    } else if (tag != null && !TAG.matcher(tag).matches()) {
      return Optional.of("a tag is at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'");
    } else if (digest != null && (!DIGEST.matcher(digest).matches()
        || (digest.startsWith("sha256:") && !SHA256.matcher(digest).matches())
        || (digest.startsWith("sha512:") && !SHA512.matcher(digest).matches()))) {
      return Optional.of("a digest is algorithm:hex, e.g. sha256: and 64 lower-case hex digits");
    }
    return Optional.empty();
  }

  private static Optional<String> nameProblem(String name) {
    if (name.length() > MAX_NAME_LENGTH) {
      return Optional.of("the name is longer than " + MAX_NAME_LENGTH + " characters");
    }
    String path = name;
    int slash = name.indexOf('/');
    // As docker and the agent: the first component is a registry host only when it looks like one.
    if (slash > 0 && isHost(name.substring(0, slash))) {
      if (!DOMAIN.matcher(name.substring(0, slash)).matches()) {
        return Optional.of("");
      }
      path = name.substring(slash + 1);
    }
    if (!PATH.matcher(path).matches()) {
      return Optional.of(PATH.matcher(path.toLowerCase(Locale.ROOT)).matches()
          ? "the repository path must be lower-case" : "");
    }
    return Optional.empty();
  }

  private static boolean isHost(String component) {
    return component.contains(".") || component.contains(":") || component.equals("localhost");
  }
}
