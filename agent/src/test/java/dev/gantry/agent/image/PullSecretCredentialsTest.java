package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which credentials a pull uses when its task names an image pull secret: the secret's for the
 * registries it covers, then the agent's own; never the other way round, and never another
 * pull's cached authorization.
 */
class PullSecretCredentialsTest {
  private static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50));
  @TempDir Path tmp;
  private FakeRegistry registry;

  @AfterEach
  void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private String start(FakeRegistry.Auth auth) throws IOException {
    new OciImageWriter().layer(new LayerTar().directory("bin", 0755).file("bin/app", 0755, "app"))
        .gzip(true).entrypoint("/bin/app").refName("1").writeLayout(tmp.resolve("layout"));
    registry = new FakeRegistry(tmp.resolve("layout"), auth);
    return registry.host() + "/app:1";
  }

  private static byte[] secret(String host, String user, String password) {
    String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return ("{\"auths\": {\"" + host + "\": {\"auth\": \"" + auth + "\"}}}").getBytes(StandardCharsets.UTF_8);
  }

  private static RegistryCredentials agentOwn(String host, String password) {
    return RegistryCredentials.of(Map.of(host, new RegistryCredentials.Credential(FakeRegistry.USER, password)));
  }

  private ImageStore store(RegistryCredentials agentOwn) {
    return new ImageStore(tmp.resolve("store"), new RegistryClient(agentOwn, Set.of(registry.host()), FAST, 3));
  }

  @Test
  void theSecretComesBeforeTheAgentsOwnCredentials() throws Exception {
    String ref = start(FakeRegistry.Auth.BASIC);
    RegistryCredentials right = RegistryCredentials.fromSecret("regcred",
        secret(registry.host(), FakeRegistry.USER, FakeRegistry.PASSWORD));
    RegistryCredentials wrong = RegistryCredentials.fromSecret("regcred",
        secret(registry.host(), FakeRegistry.USER, "stale"));

    assertThat(store(agentOwn(registry.host(), "agent-wrong")).ensure(ref, PullPolicy.ALWAYS, right, p -> { })
        .manifestDigest()).startsWith("sha256:");
    // A wrong secret is not papered over by the agent's own (right) credentials.
    assertThatThrownBy(() -> store(agentOwn(registry.host(), FakeRegistry.PASSWORD))
        .ensure(ref, PullPolicy.ALWAYS, wrong, p -> { }))
        .hasMessageContaining("unauthorized").hasMessageContaining("access denied as user 'alice'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
  }

  @Test
  void aSecretWithoutTheRegistryLeavesItToTheAgentsCredentials() throws Exception {
    String ref = start(FakeRegistry.Auth.BASIC);
    RegistryCredentials elsewhere = RegistryCredentials.fromSecret("regcred",
        secret("other.example:5000", "bob", "x"));
    assertThat(store(agentOwn(registry.host(), FakeRegistry.PASSWORD))
        .ensure(ref, PullPolicy.ALWAYS, elsewhere, p -> { }).manifestDigest()).startsWith("sha256:");

    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(ref, PullPolicy.ALWAYS, elsewhere, p -> { }))
        .hasMessageContaining("none is configured for it in image pull secret regcred or the configured"
            + " credentials");
  }

  @Test
  void anAuthorizationEarnedWithASecretServesNoPullWithoutIt() throws Exception {
    String ref = start(FakeRegistry.Auth.BEARER);
    ImageStore store = store(RegistryCredentials.none());
    RegistryCredentials right = RegistryCredentials.fromSecret("regcred",
        secret(registry.host(), FakeRegistry.USER, FakeRegistry.PASSWORD));
    store.ensure(ref, PullPolicy.ALWAYS, right, p -> { });

    assertThatThrownBy(() -> store.ensure(ref, PullPolicy.ALWAYS, null, p -> { }))
        .hasMessageContaining("access denied anonymously")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
    // And the secret's pull still works (its own token is still remembered or fetched again).
    assertThat(store.ensure(ref, PullPolicy.ALWAYS, right, p -> { }).manifestDigest()).startsWith("sha256:");
  }

  @Test
  void selectionOrderAndDescriptionNeverShowAPassword() throws Exception {
    RegistryCredentials chain = RegistryCredentials.fromSecret("regcred", secret("a.example", "bob", "hunter2"))
        .orElse(agentOwn("https://b.example/v2/", "agent-pass"));
    assertThat(chain.find("a.example")).contains(new RegistryCredentials.Credential("bob", "hunter2"));
    assertThat(chain.find("b.example")).contains(new RegistryCredentials.Credential("alice", "agent-pass"));
    assertThat(chain.find("c.example")).isEmpty();
    assertThat(chain.toString()).isEqualTo("image pull secret regcred [a.example] or credentials [b.example]")
        .doesNotContain("hunter2");
    assertThat(chain.fingerprint("a.example")).isNotEmpty().doesNotContain("hunter2")
        .isNotEqualTo(chain.fingerprint("b.example"));
    assertThat(chain.fingerprint("c.example")).isEmpty();

    RegistryCredentials broken = RegistryCredentials.fromSecret("regcred", "{\"auths\": {}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> broken.find("a.example"))
        .hasMessageStartingWith("image pull secret regcred: data is not valid JSON");
  }
}
