package dev.gantry.agent.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Picks the one image an archive-level reference means, or explains why it cannot. */
final class ImageSelection {
  private ImageSelection() {}

  /**
   * With a selector: the single image that has a matching name. Without: the only image.
   *
   * @param names the names an image is known by (RepoTags, OCI ref names)
   * @param label how to show an image in errors when it has no name (e.g. its digest)
   */
  static <T> T select(List<T> images, Function<T, List<String>> names, Function<T, String> label,
      Optional<String> selector) throws ImageException {
    List<T> chosen = new ArrayList<>();
    for (T image : images) {
      if (selector.isEmpty()
          || names.apply(image).stream().anyMatch(n -> ImageReference.matches(selector.get(), n))) {
        chosen.add(image);
      }
    }
    if (chosen.size() == 1) {
      return chosen.get(0);
    }
    List<String> shown = new ArrayList<>();
    for (T image : chosen.isEmpty() ? images : chosen) {
      List<String> n = names.apply(image);
      shown.add(n.isEmpty() ? label.apply(image) : String.join(" ", n));
    }
    if (images.isEmpty()) {
      throw new ImageException("the archive holds no image");
    }
    if (chosen.isEmpty()) {
      throw new ImageException("no image named '" + selector.get() + "' in the archive; it holds: "
          + String.join(", ", shown));
    }
    String which = selector.map(s -> "'" + s + "' matches " + chosen.size() + " images")
        .orElse("the archive holds " + chosen.size() + " images");
    throw new ImageException(which + "; pick one with #name:tag: " + String.join(", ", shown));
  }
}
