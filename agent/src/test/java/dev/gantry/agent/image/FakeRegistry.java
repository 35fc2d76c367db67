package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny read-only registry on the JDK's HTTP server, serving one OCI layout (written with
 * {@link OciImageWriter}) as repository {@code app}: tags are the layout's ref names. For the
 * cases a real registry cannot stage: basic auth without a bcrypt file, a bearer realm with
 * credentials on the same server, injected 5xx answers, request counts, downloads held.
 */
final class FakeRegistry implements AutoCloseable {
  enum Auth { NONE, BASIC, BEARER }

  static final String USER = "alice";
  static final String PASSWORD = "s3cret";
  private static final String TOKEN = "token-for-alice";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final Path layout;
  private final Auth auth;
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private volatile String lastBlobAuthorization;
  private volatile java.util.concurrent.CountDownLatch blobGate = new java.util.concurrent.CountDownLatch(0);

  FakeRegistry(Path layout, Auth auth) throws IOException {
    this.layout = layout;
    this.auth = auth;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
    server.start();
  }

  /** host:port, to use as a registry name (and insecure entry). */
  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** The next {@code n} requests (of any kind) get HTTP 503. */
  void failNext(int n) {
    failuresLeft.set(n);
  }

  int hits(String pathSuffix) {
    return hits.entrySet().stream().filter(e -> e.getKey().endsWith(pathSuffix))
        .mapToInt(e -> e.getValue().get()).sum();
  }

  /** Blob requests wait (up to 30 s) until {@link #releaseBlobs()}: a pull in progress, held. */
  void holdBlobs() {
    blobGate = new java.util.concurrent.CountDownLatch(1);
  }

  void releaseBlobs() {
    blobGate.countDown();
  }

  String lastBlobAuthorization() {
    return lastBlobAuthorization;
  }

  @Override
  public void close() {
    releaseBlobs();
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
      if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        send(ex, 503, "text/plain", "busy".getBytes(StandardCharsets.UTF_8));
        return;
      }
      if (path.equals("/token")) {
        token(ex);
        return;
      }
      if (!authorized(ex)) {
        return;
      }
      String prefix = "/v2/app/";
      if (!path.startsWith(prefix)) {
        error(ex, 404, "NAME_UNKNOWN", "repository name not known to registry");
        return;
      }
      String rest = path.substring(prefix.length());
      if (rest.startsWith("manifests/")) {
        manifest(ex, rest.substring("manifests/".length()));
      } else if (rest.startsWith("blobs/")) {
        lastBlobAuthorization = ex.getRequestHeaders().getFirst("Authorization");
        try {
          blobGate.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        Path blob = blob(rest.substring("blobs/".length()));
        if (blob == null) {
          error(ex, 404, "BLOB_UNKNOWN", "blob unknown to registry");
        } else {
          send(ex, 200, "application/octet-stream", Files.readAllBytes(blob));
        }
      } else {
        error(ex, 404, "UNSUPPORTED", "not served");
      }
    }
  }

  private boolean authorized(HttpExchange ex) throws IOException {
    String given = ex.getRequestHeaders().getFirst("Authorization");
    String realm = "http://" + host() + "/token";
    switch (auth) {
      case NONE:
        return true;
      case BASIC:
        if (basic(USER, PASSWORD).equals(given)) {
          return true;
        }
        ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
        break;
      default:
        if (("Bearer " + TOKEN).equals(given)) {
          return true;
        }
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + realm
            + "\",service=\"fake-registry\",scope=\"repository:app:pull\"");
    }
    error(ex, 401, "UNAUTHORIZED", "authentication required");
    return false;
  }

  /** Grants TOKEN only to alice with the right scope; anonymous callers get a useless token. */
  private void token(HttpExchange ex) throws IOException {
    String query = String.valueOf(ex.getRequestURI().getQuery());
    String given = ex.getRequestHeaders().getFirst("Authorization");
    if (given != null && !basic(USER, PASSWORD).equals(given)) {
      error(ex, 401, "UNAUTHORIZED", "bad credentials");
      return;
    }
    boolean ok = given != null && query.contains("scope=repository:app:pull")
        && query.contains("service=fake-registry");
    send(ex, 200, "application/json",
        ("{\"token\":\"" + (ok ? TOKEN : "anonymous") + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private void manifest(HttpExchange ex, String reference) throws IOException {
    String digest = reference;
    if (!reference.startsWith("sha256:")) {
      digest = null;
      for (JsonNode d : JSON.readTree(layout.resolve("index.json").toFile()).path("manifests")) {
        if (reference.equals(d.path("annotations").path(OciLayoutReader.REF_NAME).asText())) {
          digest = d.path("digest").asText();
        }
      }
    }
    Path blob = digest == null ? null : blob(digest);
    if (blob == null) {
      error(ex, 404, "MANIFEST_UNKNOWN", "manifest unknown");
      return;
    }
    byte[] bytes = Files.readAllBytes(blob);
    String accept = String.valueOf(ex.getRequestHeaders().getFirst("Accept"));
    String type = JSON.readTree(bytes).path("mediaType").asText();
    if (!accept.contains(type)) { // as real registries do for an index
      error(ex, 404, "MANIFEST_UNKNOWN", "not acceptable: " + type);
      return;
    }
    ex.getResponseHeaders().add("Docker-Content-Digest", digest);
    send(ex, 200, type, bytes);
  }

  private Path blob(String digest) {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      return null;
    }
    Path p = layout.resolve("blobs/sha256").resolve(digest.substring(7));
    return Files.isRegularFile(p) ? p : null;
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static void error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    send(ex, status, "application/json", ("{\"errors\":[{\"code\":\"" + code
        + "\",\"message\":\"" + message + "\"}]}").getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
