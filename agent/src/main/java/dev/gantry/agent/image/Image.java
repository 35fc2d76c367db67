package dev.gantry.agent.image;

import java.nio.file.Path;
import java.util.List;

/**
 * A loaded image. {@code layers} are lowest first and are read-only by convention: use them as
 * overlay lowerdirs, never write into them. For a {@code docker save} archive, which carries no
 * manifest, {@code manifestDigest} is the config digest (the Docker image ID).
 */
public record Image(String reference, String manifestDigest, List<Path> layers, ImageConfig config) {
  public Image {
    layers = List.copyOf(layers);
  }
}
