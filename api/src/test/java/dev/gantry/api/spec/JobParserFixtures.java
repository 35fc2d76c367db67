package dev.gantry.api.spec;

import java.io.IOException;

/** Spec texts shared by tests. */
final class JobParserFixtures {
  private JobParserFixtures() {}

  /** The sketch with its resources and stop settings removed, so that defaults apply. */
  static String sketchWithoutDefaults() throws IOException {
    return JobSpecParserTest.sketch()
        .replace("    resources: {cpu: 500m, memory: 256Mi, disk: 1Gi}\n", "")
        .replace("    stop_signal: SIGTERM\n", "")
        .replace("    stop_grace: 30s\n", "");
  }
}
