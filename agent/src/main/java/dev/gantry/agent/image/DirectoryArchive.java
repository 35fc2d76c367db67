package dev.gantry.agent.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** An OCI image layout directory on the host. */
final class DirectoryArchive implements ImageArchive {
  private final Path dir;

  DirectoryArchive(Path dir) {
    this.dir = dir;
  }

  @Override
  public boolean exists(String name) {
    try {
      return Files.isRegularFile(dir.resolve(ImageArchive.clean(name)));
    } catch (ImageException e) {
      return false;
    }
  }

  @Override
  public InputStream open(String name) throws IOException, ImageException {
    Path file = dir.resolve(ImageArchive.clean(name));
    if (!Files.isRegularFile(file)) {
      throw new ImageException("the layout has no file " + name);
    }
    return Files.newInputStream(file);
  }

  @Override
  public void close() {}
}
