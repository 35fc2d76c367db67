package dev.gantry.api.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RegistryAuthsTest {
  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAuthAndUsernamePasswordEntriesByHost() {
    RegistryAuths auths = RegistryAuths.parse(json("{\"auths\": {"
        + "\"https://index.docker.io/v1/\": {\"auth\": \"" + b64("bob:hunter2:x") + "\"},"
        + "\"127.0.0.1:5000\": {\"username\": \"ci\", \"password\": \"s3cret\"}}}"));
    assertThat(auths.registries()).containsExactly("127.0.0.1:5000", "docker.io");
    assertThat(auths.byRegistry().get("docker.io")).isEqualTo(new RegistryAuths.Credential("bob", "hunter2:x"));
    assertThat(auths.byRegistry().get("127.0.0.1:5000")).isEqualTo(new RegistryAuths.Credential("ci", "s3cret"));
    assertThat(auths.toString()).doesNotContain("hunter2").doesNotContain("s3cret");
    assertThat(auths.byRegistry().get("docker.io").toString()).doesNotContain("hunter2");
  }

  @Test
  void rejectsWhatIsNotJsonWithoutQuotingIt() {
    assertThatThrownBy(() -> RegistryAuths.parse(json("{\"auths\": {\"h\": {\"auth\": \"topsecret\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("is not valid JSON (line 1")
        .hasMessageNotContaining("topsecret");
  }

  @Test
  void rejectsADocumentWithoutAuths() {
    assertThatThrownBy(() -> RegistryAuths.parse(json("[1, 2]")))
        .hasMessageStartingWith("is not a Docker config.json: expected a JSON object");
    assertThatThrownBy(() -> RegistryAuths.parse(json("{\"auths\": {}}")))
        .hasMessage("has no \"auths\" with registry credentials");
  }

  @Test
  void explainsThatCredentialHelpersCannotBeUsed() {
    assertThatThrownBy(() -> RegistryAuths.parse(json("{\"credsStore\": \"desktop\"}")))
        .hasMessageContaining("credential helper (credsStore/credHelpers)");
  }

  @Test
  void namesEveryBadEntry() {
    assertThatThrownBy(() -> RegistryAuths.parse(json("{\"auths\": {"
        + "\"a.example\": {\"auth\": \"" + b64("nocolon") + "\"},"
        + "\"b.example\": {},"
        + "\"c.example\": {\"auth\": \"%%%\"}}}")))
        .hasMessage("auths[\"a.example\"]: \"auth\" is not base64 of user:password; "
            + "auths[\"b.example\"]: has no credential: give \"auth\" (base64 of user:password) or"
            + " \"username\" and \"password\"; "
            + "auths[\"c.example\"]: \"auth\" is not base64");
  }

  @Test
  void secretNamesAreDnsLabels() {
    assertThat(SecretNames.problem("regcred")).isEmpty();
    assertThat(SecretNames.problem("")).contains("a secret name is required");
    assertThat(SecretNames.problem("Reg_Cred")).get().asString().contains("is not a DNS label");
    assertThat(SecretNames.problem("x".repeat(64))).isPresent();
  }
}
