package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {

  @Test
  void parsesAbsolutePathsWithAndWithoutFileScheme() throws Exception {
    assertThat(ImageReference.parse("/images/app.tar"))
        .isEqualTo(new ImageReference(Path.of("/images/app.tar"), Optional.empty()));
    assertThat(ImageReference.parse("file:/images/app.tar").path()).isEqualTo(Path.of("/images/app.tar"));
    assertThat(ImageReference.parse("file:///images/app.tar").path()).isEqualTo(Path.of("/images/app.tar"));
  }

  @Test
  void splitsSelectorAfterHash() throws Exception {
    ImageReference ref = ImageReference.parse("file:/images/all.tar#busybox:1.36");
    assertThat(ref.path()).isEqualTo(Path.of("/images/all.tar"));
    assertThat(ref.selector()).contains("busybox:1.36");
  }

  @Test
  void rejectsRelativePathsRegistryNamesAndEmptySelectors() {
    assertThatThrownBy(() -> ImageReference.parse("images/app.tar"))
        .isInstanceOf(ImageException.class).hasMessageContaining("absolute path");
    assertThatThrownBy(() -> ImageReference.parse("alpine:3.19"))
        .isInstanceOf(ImageException.class).hasMessageContaining("not a local image");
    assertThatThrownBy(() -> ImageReference.parse("/x.tar#"))
        .isInstanceOf(ImageException.class).hasMessageContaining("empty #name:tag");
    assertThatThrownBy(() -> ImageReference.parse(" "))
        .isInstanceOf(ImageException.class);
  }

  @Test
  void matchesNamesLikeDockerDoes() {
    assertThat(ImageReference.matches("alpine:3", "alpine:3")).isTrue();
    assertThat(ImageReference.matches("alpine:3", "docker.io/library/alpine:3")).isTrue();
    assertThat(ImageReference.matches("3", "alpine:3")).isTrue();
    assertThat(ImageReference.matches("alpine:3", "3")).isTrue(); // tag-only OCI ref name
    assertThat(ImageReference.matches("alpine", "alpine:latest")).isTrue();
    assertThat(ImageReference.matches("alpine:3", "alpine:4")).isFalse();
    assertThat(ImageReference.matches("alpine:3", "notalpine:3")).isFalse();
    assertThat(ImageReference.matches("alpine", "busybox:latest")).isFalse();
    assertThat(ImageReference.matches("alpine", "")).isFalse();
  }

  @Test
  void entryPathsAreCleanedAndEscapesRejected() throws Exception {
    assertThat(EntryPath.parse("/etc/passwd").relative()).isEqualTo("etc/passwd");
    assertThat(EntryPath.parse("./a//b/./c/").relative()).isEqualTo("a/b/c");
    assertThat(EntryPath.parse("a/../b").relative()).isEqualTo("b");
    assertThat(EntryPath.parse("./").isRoot()).isTrue();
    assertThatThrownBy(() -> EntryPath.parse("../x")).hasMessageContaining("escapes");
    assertThatThrownBy(() -> EntryPath.parse("a/../../x")).hasMessageContaining("escapes");
    assertThatThrownBy(() -> ImageArchive.clean("blobs/../../x")).hasMessageContaining("outside");
  }
}
