package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A Docker registry token server for tests: issues RS256 JWTs that {@code docker-registry}'s
 * {@code auth: token} accepts. The signing key and its self-signed certificate (the registry's
 * root bundle) come from the JDK's keytool, so no crypto library is needed. Only {@link #USER}
 * with {@link #PASSWORD} gets access (pull and push on the requested repository); anonymous
 * callers get a token with no access, wrong credentials get 401.
 */
final class TokenServer implements AutoCloseable {
  static final String USER = "bob";
  static final String PASSWORD = "hunter2";
  static final String SERVICE = "gantry-test-registry";
  static final String ISSUER = "gantry-test-issuer";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final HttpServer server;
  private final PrivateKey key;
  private final byte[] certificate;
  private final Path rootCertPem;

  TokenServer(Path dir) throws Exception {
    Path keystore = dir.resolve("token.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    run(keytool.toString(), "-genkeypair", "-alias", "token", "-keyalg", "RSA", "-keysize", "2048",
        "-sigalg", "SHA256withRSA", "-dname", "CN=gantry-test-token", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit");
    rootCertPem = dir.resolve("token-root.pem");
    run(keytool.toString(), "-exportcert", "-rfc", "-alias", "token", "-keystore",
        keystore.toString(), "-storepass", "changeit", "-file", rootCertPem.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    key = (PrivateKey) ks.getKey("token", "changeit".toCharArray());
    Certificate cert = ks.getCertificate("token");
    certificate = cert.getEncoded();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/token", this::handle);
    server.start();
  }

  String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  LocalRegistry.TokenAuth registryAuth() {
    return new LocalRegistry.TokenAuth(realm(), SERVICE, ISSUER, rootCertPem);
  }

  /** A token with pull and push on {@code repository}, for the push helper. */
  String pushToken(String repository) throws Exception {
    return "Bearer " + sign(USER, repository, new String[] {"pull", "push"});
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, String> query = new HashMap<>();
      for (String kv : String.valueOf(ex.getRequestURI().getRawQuery()).split("&")) {
        String[] p = kv.split("=", 2);
        query.put(p[0], p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
      }
      String given = ex.getRequestHeaders().getFirst("Authorization");
      String expected = FakeRegistry.basic(USER, PASSWORD);
      if (given != null && !given.equals(expected)) {
        send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
        return;
      }
      // scope = repository:<name>:<actions>
      String[] scope = query.getOrDefault("scope", "repository::").split(":");
      String repository = scope.length > 1 ? scope[1] : "";
      String[] actions = given == null || !SERVICE.equals(query.get("service"))
          ? new String[0] : new String[] {"pull", "push"};
      String token = sign(given == null ? "" : USER, repository, actions);
      send(ex, 200, "{\"token\":\"" + token + "\",\"expires_in\":300}");
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private String sign(String subject, String repository, String[] actions) throws Exception {
    ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
    header.putArray("x5c").add(Base64.getEncoder().encodeToString(certificate));
    long now = System.currentTimeMillis() / 1000;
    ObjectNode claims = JSON.createObjectNode().put("iss", ISSUER).put("sub", subject)
        .put("aud", SERVICE).put("exp", now + 300).put("nbf", now - 10).put("iat", now)
        .put("jti", UUID.randomUUID().toString());
    if (actions.length > 0) {
      ObjectNode access = claims.putArray("access").addObject().put("type", "repository")
          .put("name", repository);
      Arrays.stream(actions).forEach(access.putArray("actions")::add);
    } else {
      claims.putArray("access");
    }
    String signingInput = B64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
        + B64URL.encodeToString(JSON.writeValueAsBytes(claims));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(key);
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + B64URL.encodeToString(rsa.sign());
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
