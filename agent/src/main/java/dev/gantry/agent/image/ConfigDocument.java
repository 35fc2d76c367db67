package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The parts of an OCI/Docker image config JSON the agent uses. */
record ConfigDocument(ImageConfig config, List<String> diffIds) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ConfigDocument parse(byte[] json) throws ImageException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new ImageException("image config is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ImageException("image config is not a JSON object");
    }
    JsonNode c = root.path("config");
    ImageConfig config = new ImageConfig(strings(c.path("Entrypoint")), strings(c.path("Cmd")),
        strings(c.path("Env")), text(c.path("WorkingDir")), text(c.path("User")));
    List<String> diffIds = new ArrayList<>();
    for (JsonNode d : root.path("rootfs").path("diff_ids")) {
      diffIds.add(Digests.check(d.asText(null), "config rootfs.diff_ids entry"));
    }
    return new ConfigDocument(config, diffIds);
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    node.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String text(JsonNode node) {
    return node.isTextual() ? node.asText() : "";
  }
}
