package dev.gantry.agent.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The layer directories that overlay mounts use right now, read from the kernel's mount table:
 * whatever a container runs on, whatever the agent remembers (a re-adopted container, a moved
 * tag), so the collector never removes a layer under a running container.
 */
final class MountedLayers {
  private MountedLayers() {}

  /** Lower directories of every overlay in this process's mount namespace that lie in {@code layersDir}. */
  static Set<Path> under(Path layersDir) throws IOException {
    return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")), layersDir);
  }

  /**
   * Parses mountinfo lines ({@code ... - overlay overlay rw,lowerdir=/a:/b,upperdir=...}).
   * Paths are octal-escaped by the kernel (space as {@code \040}).
   */
  static Set<Path> parse(List<String> mountinfo, Path layersDir) {
    Set<Path> found = new HashSet<>();
    Path base = layersDir.toAbsolutePath().normalize();
    for (String line : mountinfo) {
      int sep = line.indexOf(" - ");
      if (sep < 0) {
        continue;
      }
      String[] tail = line.substring(sep + 3).split(" ");
      if (tail.length < 3 || !tail[0].equals("overlay")) {
        continue;
      }
      for (String option : tail[2].split(",")) {
        if (!option.startsWith("lowerdir=")) {
          continue;
        }
        for (String dir : option.substring("lowerdir=".length()).split(":")) {
          Path p = Path.of(unescape(dir)).normalize();
          if (p.startsWith(base) && !p.equals(base)) {
            found.add(base.resolve(base.relativize(p).getName(0)));
          }
        }
      }
    }
    return found;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
