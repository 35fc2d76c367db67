package dev.gantry.agent.image;

import java.util.List;

/** The runtime part of an image config: what to run and how. Missing fields are empty, never null. */
public record ImageConfig(
    List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
  public ImageConfig {
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
  }
}
