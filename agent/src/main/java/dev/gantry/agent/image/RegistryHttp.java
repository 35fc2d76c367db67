package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP path to registries and token servers: GET with retries (connection errors, 5xx,
 * 429) and redirects followed by hand, because blob downloads are often redirected to a storage
 * host that must not receive the registry's credentials. Knows nothing of auth. Thread-safe.
 */
final class RegistryHttp {
  private static final Logger log = LoggerFactory.getLogger(RegistryHttp.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  private static final int MAX_REDIRECTS = 5;
  // Until the response headers arrive; a layer body may take longer (the JDK stops the timer then).
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient client;
  private final RetryPolicy retry;

  RegistryHttp(RetryPolicy retry) {
    this.retry = retry;
    // HTTP/1.1: parallel layer downloads then use parallel connections, as docker does.
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(CONNECT_TIMEOUT).build();
  }

  RetryPolicy retry() {
    return retry;
  }

  /**
   * GETs {@code uri}; returns the first response that is neither a redirect nor worth retrying.
   * The caller must close the body.
   *
   * @param what names the request in errors, e.g. "manifest of localhost:5000/app:1"
   * @throws ImageException with reason UNREACHABLE once the retries are used up
   */
  HttpResponse<InputStream> get(URI uri, Map<String, String> headers, String what)
      throws ImageException {
    for (int attempt = 1; ; attempt++) {
      String failure;
      Throwable cause = null;
      try {
        HttpResponse<InputStream> response = followRedirects(uri, headers);
        int status = response.statusCode();
        if (status < 500 && status != 429) {
          return response;
        }
        failure = "the registry answered HTTP " + status + errorSummary(response);
      } catch (IOException e) {
        failure = describe(uri, e);
        cause = e;
      }
      // A TLS failure (wrong protocol, untrusted certificate) does not pass by waiting.
      if (attempt >= retry.attempts() || cause instanceof SSLException) {
        throw new ImageException(ImageException.Reason.UNREACHABLE,
            what + ": " + failure + " (gave up after " + attempt + " attempts)", cause);
      }
      log.info("{}: {}; retrying ({}/{})", what, failure, attempt, retry.attempts());
      RetryPolicy.sleep(retry.backoff(attempt));
    }
  }

  private HttpResponse<InputStream> followRedirects(URI uri, Map<String, String> headers)
      throws IOException, ImageException {
    URI current = uri;
    Map<String, String> sent = headers;
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(current).timeout(RESPONSE_TIMEOUT).GET();
      sent.forEach(request::header);
      HttpResponse<InputStream> response = send(request.build());
      if (!REDIRECTS.contains(response.statusCode())) {
        return response;
      }
      String location = response.headers().firstValue("Location").orElse(null);
      response.body().close();
      if (location == null || hop >= MAX_REDIRECTS) {
        throw new ImageException("GET " + uri + ": too many redirects or a redirect without a"
            + " Location header");
      }
      URI next = current.resolve(location);
      if ("https".equals(current.getScheme()) && !"https".equals(next.getScheme())) {
        throw new ImageException("GET " + uri + ": refusing a redirect from HTTPS to " + next);
      }
      if (!sameOrigin(current, next)) {
        sent = new HashMap<>(sent);
        sent.remove("Authorization"); // the registry's credentials are not the storage host's
      }
      current = next;
    }
  }

  private HttpResponse<InputStream> send(HttpRequest request) throws IOException, ImageException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted during GET " + request.uri(), e);
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && String.valueOf(a.getHost()).equalsIgnoreCase(String.valueOf(b.getHost()))
        && a.getPort() == b.getPort();
  }

  private static String describe(URI uri, IOException e) {
    String origin = uri.getScheme() + "://" + uri.getRawAuthority();
    if (e instanceof HttpConnectTimeoutException) {
      return "cannot connect to " + origin + " within " + CONNECT_TIMEOUT.toSeconds() + " s";
    }
    if (e instanceof ConnectException) {
      return "cannot connect to " + origin + " (" + e + ")";
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer from " + origin + " within " + RESPONSE_TIMEOUT.toSeconds() + " s";
    }
    if (e instanceof SSLException) {
      return "TLS with " + origin + " failed (" + e.getMessage() + "); if that registry serves"
          + " plain HTTP, list it as an insecure registry";
    }
    return "I/O error talking to " + origin + " (" + e + ")";
  }

  /**
   * Reads and closes an error response's body; returns " (CODE: message)" from the distribution
   * API's error JSON, or "" when it has none.
   */
  static String errorSummary(HttpResponse<InputStream> response) {
    try (InputStream in = response.body()) {
      JsonNode errors = JSON.readTree(in.readNBytes(64 * 1024)).path("errors");
      StringBuilder out = new StringBuilder();
      for (JsonNode e : errors) {
        out.append(out.length() == 0 ? " (" : "; ").append(e.path("code").asText("?"))
            .append(": ").append(e.path("message").asText(""));
      }
      return out.length() == 0 ? "" : out.append(')').toString();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** The first error code of an error response (e.g. MANIFEST_UNKNOWN), from its summary. */
  static String errorCode(String summary) {
    return summary.startsWith(" (") ? summary.substring(2).split(":", 2)[0] : "";
  }
}
