package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryReferenceTest {
  private static final String D = "sha256:" + "ab".repeat(32);

  @Test
  void appliesDockerDefaults() throws Exception {
    assertThat(RegistryReference.parse("nginx"))
        .isEqualTo(new RegistryReference("docker.io", "library/nginx", "latest", null));
    assertThat(RegistryReference.parse("nginx").toString()).isEqualTo("docker.io/library/nginx:latest");
    assertThat(RegistryReference.parse("nginx").apiHost()).isEqualTo("registry-1.docker.io");
    assertThat(RegistryReference.parse("bitnami/redis:7.2"))
        .isEqualTo(new RegistryReference("docker.io", "bitnami/redis", "7.2", null));
    assertThat(RegistryReference.parse("index.docker.io/library/alpine:3").registry()).isEqualTo("docker.io");
  }

  @Test
  void recognisesRegistryHostsPortsAndDigests() throws Exception {
    assertThat(RegistryReference.parse("localhost:5000/app:1"))
        .isEqualTo(new RegistryReference("localhost:5000", "app", "1", null));
    assertThat(RegistryReference.parse("localhost/app").tag()).isEqualTo("latest");
    assertThat(RegistryReference.parse("ghcr.io/org/team/app@" + D))
        .isEqualTo(new RegistryReference("ghcr.io", "org/team/app", null, D));
    RegistryReference both = RegistryReference.parse("host.example:443/app:1@" + D);
    assertThat(both.manifestReference()).isEqualTo(D); // the digest wins
    assertThat(both.toString()).isEqualTo("host.example:443/app:1@" + D);
  }

  @Test
  void rejectsInvalidReferences() {
    assertThatThrownBy(() -> RegistryReference.parse("Nginx")).hasMessageContaining("invalid repository");
    assertThatThrownBy(() -> RegistryReference.parse("app:bad/tag")).isInstanceOf(ImageException.class);
    assertThatThrownBy(() -> RegistryReference.parse("app@sha256:xyz")).hasMessageContaining("sha256:<64");
    assertThatThrownBy(() -> RegistryReference.parse("app:")).hasMessageContaining("invalid tag");
    assertThatThrownBy(() -> RegistryReference.parse("")).hasMessageContaining("empty");
  }

  @Test
  void localAndRegistryReferencesAreToldApart() {
    assertThat(ImageReference.isLocal("/images/app.tar")).isTrue();
    assertThat(ImageReference.isLocal("file:app.tar")).isTrue();
    assertThat(ImageReference.isLocal("app.tar")).isFalse();
    assertThat(ImageReference.isLocal("localhost:5000/app")).isFalse();
  }

  @Test
  void readsDockerConfigJson(@TempDir Path tmp) throws Exception {
    String auth = Base64.getEncoder().encodeToString("bob:pa:ss".getBytes(StandardCharsets.UTF_8));
    Path config = Files.writeString(tmp.resolve("config.json"), "{\"auths\":{"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + auth + "\"},"
        + "\"registry.example:5000\":{\"username\":\"carol\",\"password\":\"pw\"},"
        + "\"empty.example\":{}}}");
    RegistryCredentials creds = RegistryCredentials.fromDockerConfig(config);
    assertThat(creds.find("docker.io")).contains(new RegistryCredentials.Credential("bob", "pa:ss"));
    assertThat(creds.find("registry.example:5000"))
        .contains(new RegistryCredentials.Credential("carol", "pw"));
    assertThat(creds.find("empty.example")).isEmpty();
    assertThat(creds.find("other.example")).isEmpty();
    assertThat(RegistryCredentials.fromDockerConfig(tmp.resolve("missing.json")).find("docker.io")).isEmpty();
    assertThat(new RegistryCredentials.Credential("u", "secret").toString()).doesNotContain("secret");

    Path broken = Files.writeString(tmp.resolve("broken.json"), "{not json");
    assertThatThrownBy(() -> RegistryCredentials.fromDockerConfig(broken).find("docker.io"))
        .hasMessageContaining("cannot read registry credentials from " + broken);
  }

  @Test
  void parsesAuthChallenges() throws Exception {
    AuthChallenge c = AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\","
        + "service=\"registry.docker.io\",scope=\"repository:library/nginx:pull,push\"");
    assertThat(c.scheme()).isEqualTo("bearer");
    assertThat(c.params()).isEqualTo(Map.of("realm", "https://auth.docker.io/token",
        "service", "registry.docker.io", "scope", "repository:library/nginx:pull,push"));
    assertThat(AuthChallenge.parse("Basic realm=\"Registry Realm\"").scheme()).isEqualTo("basic");
    assertThat(AuthChallenge.parse("Bearer realm=x,error=insufficient_scope").param("error"))
        .isEqualTo("insufficient_scope");
  }
}
