package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A task's image: a local archive or an OCI distribution reference, as the agent reads it. */
class ImageReferencesTest {
  private static final String HEX64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private static final String IMAGE_EXAMPLES =
      " (e.g. registry.example.com/shop/web:1.4.2, nginx@sha256:..., ./web.tar)";

  private static List<String> problems(String yaml) {
    return JobSpecs.problems(yaml).stream().map(FieldError::toString).toList();
  }

  private static String withTask(String fields) {
    return "name: web\ntasks:\n  - {name: web, " + fields + "}\n";
  }

  private static String image(String image) {
    return withTask("image: '" + image + "'");
  }

  @Test
  void rejectsWhatIsNotAnImageReference() {
    assertThat(problems(withTask("image: \"::::\"")))
        .containsExactly("tasks[0].image: \"::::\" is not an image reference" + IMAGE_EXAMPLES);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nginx", "nginx:1.25", "localhost:5000/app:1", "registry.example.com/shop/web:1.4.2",
      "host/app@sha256:" + HEX64, "nginx:1@sha256:" + HEX64, "[::1]:5000/app", "Registry.Example.com/a__b/c--d/e.f_g:V1.0-rc_1",
      "app.tar", "./web.tar", "../images/web.tar", "./", "/srv/images/web.tar#web:1", "file:/srv/web.tar",
      "file:web.tar", "file://srv/web.tar"})
  void acceptsLocalArchivesAndRegistryReferences(String image) {
    assertThat(problems(image(image))).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Nginx | the repository path must be lower-case",
      "nginx: | a tag is at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'",
      "nginx@sha256:abc | a digest is algorithm:hex, e.g. sha256: and 64 lower-case hex digits",
      "file: | the path is empty",
      "./web.tar# | nothing after #: write #name:tag to pick one image of the archive"})
  void saysWhyAnImageIsNotAReferenceWhenItCan(String image, String why) {
    assertThat(problems(image(image))).containsExactly(
        "tasks[0].image: \"" + image + "\" is not an image reference: " + why + IMAGE_EXAMPLES);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a b", "nginx/", "-a/b", "a___b", "host..com/app", "nginx@", "@sha256:" + HEX64})
  void rejectsOtherMalformedReferences(String image) {
    assertThat(problems(image(image))).singleElement().asString()
        .startsWith("tasks[0].image: ").contains("is not an image reference");
  }

  @Test
  void theShippedExamplesStillValidate() throws IOException {
    Path examples = Path.of("..", "deploy", "examples");
    Assumptions.assumeTrue(Files.isDirectory(examples), "run from the api module of the repository");
    try (Stream<Path> files = Files.list(examples)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        assertThat(problems(Files.readString(file))).as(file.toString()).isEmpty();
      }
    }
  }

  @Test
  void cutsALongReferenceShortInTheMessage() {
    assertThat(problems(image("a".repeat(300)))).containsExactly("tasks[0].image: \"" + "a".repeat(100)
        + "\"... (300 characters) is not an image reference: the name is longer than 255 characters" + IMAGE_EXAMPLES);
  }
}
