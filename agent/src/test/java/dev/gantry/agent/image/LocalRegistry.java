package dev.gantry.agent.image;

import dev.gantry.testing.RegistryRequirements;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * A real registry (Debian's {@code docker-registry}, distribution 2.8) on a free 127.0.0.1 port,
 * storing into a temp directory, optionally with token or basic (htpasswd) auth. Skips the test
 * when the binary is missing, fails it under CI=true ({@link RegistryRequirements}). Close it to
 * stop it. Public for the end-to-end tests in deploy.
 */
public final class LocalRegistry implements AutoCloseable {
  /** Token auth settings; the registry trusts tokens signed by the cert in {@code rootCertPem}. */
  record TokenAuth(String realm, String service, String issuer, Path rootCertPem) {}

  private final Process process;
  private final Path storage;
  private final int port;

  private LocalRegistry(Process process, Path storage, int port) {
    this.process = process;
    this.storage = storage;
    this.port = port;
  }

  /** An anonymous registry: anyone may push and pull. */
  public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
    return start(dir, (TokenAuth) null);
  }

  static LocalRegistry start(Path dir, TokenAuth auth) throws IOException, InterruptedException {
    String yaml = auth == null ? "" : "auth:\n  token:\n"
        + "    realm: " + auth.realm() + "\n"
        + "    service: " + auth.service() + "\n"
        + "    issuer: " + auth.issuer() + "\n"
        + "    rootcertbundle: " + auth.rootCertPem() + "\n";
    return start(dir, yaml);
  }

  /**
   * A registry with basic auth: one user in an htpasswd file. The registry accepts only bcrypt
   * entries; cost 5 keeps its per-request check cheap (it verifies every request's password).
   */
  public static LocalRegistry startWithBasicAuth(Path dir, String user, String password)
      throws IOException, InterruptedException {
    RegistryRequirements.requireDockerRegistry();
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    String hash = OpenBSDBCrypt.generate("2a", password.toCharArray(), salt, 5);
    Path htpasswd = Files.writeString(Files.createDirectories(dir).resolve("htpasswd"),
        user + ":" + hash + "\n");
    return start(dir, "auth:\n  htpasswd:\n    realm: gantry-test\n    path: " + htpasswd + "\n");
  }

  private static LocalRegistry start(Path dir, String authYaml)
      throws IOException, InterruptedException {
    Path binary = RegistryRequirements.requireDockerRegistry();
    Path storage = Files.createDirectories(dir.resolve("storage"));
    int port = freePort();
    StringBuilder config = new StringBuilder()
        .append("version: 0.1\n")
        .append("log:\n  level: warn\n  accesslog:\n    disabled: true\n")
        .append("storage:\n  filesystem:\n    rootdirectory: ").append(storage).append('\n')
        .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
        .append("  secret: gantry-test-secret\n")
        .append(authYaml);
    Path file = Files.writeString(dir.resolve("registry.yml"), config);
    Process process = new ProcessBuilder(binary.toString(), "serve", file.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    LocalRegistry registry = new LocalRegistry(process, storage, port);
    registry.awaitReady(dir.resolve("registry.log"));
    return registry;
  }

  /** host:port, the registry part of references (list it as insecure: it is plain HTTP). */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public URI base() {
    return URI.create("http://" + host());
  }

  /** Where the registry keeps a blob's bytes (filesystem driver layout), to tamper with it. */
  Path blobData(String digest) {
    String hex = Digests.hex(digest);
    return storage.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2))
        .resolve(hex).resolve("data");
  }

  private void awaitReady(Path log) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
      }
      try {
        int status = client.send(HttpRequest.newBuilder(base().resolve("/v2/"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode();
        if (status == 200 || status == 401) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    close();
    throw new IllegalStateException("docker-registry did not start: " + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
