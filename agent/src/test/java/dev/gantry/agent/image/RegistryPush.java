package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pushes an image from an OCI layout (written with {@link OciImageWriter}) to a registry, for
 * tests: each blob by a monolithic upload (POST, then PUT with the digest), then the manifests,
 * children of an index first, as the registry requires. Public for the end-to-end tests in deploy.
 */
public final class RegistryPush {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;
  private final String repository;
  private final String authorization;

  /** @param authorization an Authorization header value with push access, or null */
  public RegistryPush(URI base, String repository, String authorization) {
    this.base = base;
    this.repository = repository;
    this.authorization = authorization;
  }

  /** Pushes the layout's image named {@code refName} under {@code tag}; returns its digest. */
  public String push(Path layout, String refName, String tag) throws IOException, InterruptedException {
    for (JsonNode d : JSON.readTree(layout.resolve("index.json").toFile()).path("manifests")) {
      if (refName.equals(d.path("annotations").path(OciLayoutReader.REF_NAME).asText())) {
        pushManifest(layout, d, tag);
        return d.path("digest").asText();
      }
    }
    throw new IllegalArgumentException("no image " + refName + " in " + layout);
  }

  private void pushManifest(Path layout, JsonNode descriptor, String reference)
      throws IOException, InterruptedException {
    byte[] bytes = blob(layout, descriptor.path("digest").asText());
    JsonNode doc = JSON.readTree(bytes);
    for (JsonNode child : doc.path("manifests")) {
      pushManifest(layout, child, child.path("digest").asText());
    }
    if (doc.has("config")) {
      pushBlob(layout, doc.path("config").path("digest").asText());
    }
    for (JsonNode layer : doc.path("layers")) {
      pushBlob(layout, layer.path("digest").asText());
    }
    HttpRequest.Builder put = request("/v2/" + repository + "/manifests/" + reference)
        .header("Content-Type", doc.path("mediaType").asText())
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes));
    expect(201, http.send(put.build(), HttpResponse.BodyHandlers.ofString()), "manifest PUT");
  }

  private void pushBlob(Path layout, String digest) throws IOException, InterruptedException {
    HttpResponse<String> started = http.send(request("/v2/" + repository + "/blobs/uploads/")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    expect(202, started, "upload POST");
    String location = started.headers().firstValue("Location").orElseThrow();
    URI upload = base.resolve(location);
    String sep = upload.getRawQuery() == null ? "?" : "&";
    HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + digest))
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(blob(layout, digest)));
    if (authorization != null) {
      put.header("Authorization", authorization);
    }
    expect(201, http.send(put.build(), HttpResponse.BodyHandlers.ofString()), "upload PUT");
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    return authorization == null ? b : b.header("Authorization", authorization);
  }

  private static byte[] blob(Path layout, String digest) throws IOException {
    return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(Digests.hex(digest)));
  }

  private static void expect(int status, HttpResponse<String> response, String what) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(what + " " + response.uri() + ": HTTP "
          + response.statusCode() + " " + response.body());
    }
  }
}
