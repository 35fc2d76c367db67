package dev.gantry.agent.image;

import java.util.ArrayList;
import java.util.List;

/**
 * A tar entry name made relative to the layer root: leading "/" and "./" stripped, "." dropped,
 * ".." resolved lexically. A name that climbs above the root is rejected outright (as Docker
 * does): no legitimate layer has one. This is the first line of defence only; the kernel
 * (RESOLVE_IN_ROOT) confines symlinks met during resolution.
 */
record EntryPath(List<String> components) {
  EntryPath {
    components = List.copyOf(components);
  }

  static EntryPath parse(String name) throws ImageException {
    if (name.indexOf('\0') >= 0) {
      throw new ImageException("tar entry name contains a NUL byte: '" + name.replace('\0', '?') + "'");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw new ImageException("tar entry '" + name + "' escapes the layer root with '..'");
        }
        parts.remove(parts.size() - 1);
        continue;
      }
      parts.add(part);
    }
    return new EntryPath(parts);
  }

  boolean isRoot() {
    return components.isEmpty();
  }

  /** The final component; only for non-root paths. */
  String name() {
    return components.get(components.size() - 1);
  }

  EntryPath parent() {
    return new EntryPath(components.subList(0, Math.max(0, components.size() - 1)));
  }

  EntryPath prefix(int length) {
    return new EntryPath(components.subList(0, length));
  }

  /** The path for openat2 relative to the root fd ("." for the root itself). */
  String relative() {
    return components.isEmpty() ? "." : String.join("/", components);
  }

  @Override
  public String toString() {
    return "/" + String.join("/", components);
  }
}
