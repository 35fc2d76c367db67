package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Picks the manifest for this host (linux + GOARCH-style arch) from a multi-arch index. */
final class Platform {
  private Platform() {}

  static String hostArch() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      default -> arch;
    };
  }

  static boolean hasPlatform(JsonNode descriptor) {
    return descriptor.path("platform").isObject();
  }

  static JsonNode choose(List<JsonNode> descriptors) throws ImageException {
    String arch = hostArch();
    List<String> seen = new ArrayList<>();
    for (JsonNode d : descriptors) {
      JsonNode p = d.path("platform");
      String os = p.path("os").asText("");
      String a = p.path("architecture").asText("");
      if (os.equals("linux") && a.equals(arch)) {
        return d;
      }
      seen.add(os + "/" + a + (p.has("variant") ? "/" + p.path("variant").asText() : ""));
    }
    throw new ImageException(ImageException.Reason.NO_MATCHING_PLATFORM,
        "the image index has no manifest for linux/" + arch
        + "; it has: " + String.join(", ", seen));
  }
}
