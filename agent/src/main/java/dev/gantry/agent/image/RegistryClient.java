package dev.gantry.agent.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client of the OCI distribution API (what Docker Hub and every registry serve): manifests and
 * blobs of one repository, with auth, retries and verification. Every manifest and blob is
 * checked against its digest before it is used or stored. HTTPS always, except for registries
 * listed as insecure. Thread-safe; share one per agent. Its download threads are daemons that
 * end when idle, so it need not be closed.
 */
public final class RegistryClient {
  static final String OCI_MANIFEST = OciImageWriter.OCI_MANIFEST;
  static final String OCI_INDEX = OciImageWriter.OCI_INDEX;
  static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  // A registry answers 404 for an index it holds unless the index types are acceptable.
  static final String ACCEPT_MANIFESTS =
      String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);
  private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
  private static final int MAX_MANIFEST_BYTES = 4 << 20;
  /** Docker's default max-concurrent-downloads. */
  public static final int DEFAULT_PARALLEL_DOWNLOADS = 3;

  /** A manifest or index as served, already verified against its digest. */
  record Manifest(String digest, String mediaType, byte[] bytes) {}

  /** A blob to download: its digest, size from the descriptor (-1 if unknown) and a label. */
  record BlobRequest(String digest, long size, String what) {}

  private final RegistryHttp http;
  private final RegistryAuthenticator auth;
  private final Set<String> insecure;
  private final ExecutorService downloads;

  /**
   * @param insecureRegistries hosts ({@code host:port} as in references) to reach over plain HTTP
   */
  public RegistryClient(RegistryCredentials credentials, Set<String> insecureRegistries) {
    this(credentials, insecureRegistries, RetryPolicy.DEFAULT, DEFAULT_PARALLEL_DOWNLOADS);
  }

  public RegistryClient(RegistryCredentials credentials, Set<String> insecureRegistries,
      RetryPolicy retry, int parallelDownloads) {
    this.http = new RegistryHttp(retry);
    this.auth = new RegistryAuthenticator(http, credentials);
    this.insecure = Set.copyOf(insecureRegistries);
    AtomicInteger n = new AtomicInteger();
    // Threads exist only while pulling: an idle agent (or a test making many stores) keeps none.
    ThreadPoolExecutor pool = new ThreadPoolExecutor(parallelDownloads, parallelDownloads,
        30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "image-download-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    this.downloads = pool;
  }

  /**
   * The credentials for one pull: {@code preferred} (a task's image pull secret) first, then the
   * agent's own; just the agent's when {@code preferred} is null.
   */
  RegistryCredentials credentials(RegistryCredentials preferred) {
    return preferred == null ? auth.defaults() : preferred.orElse(auth.defaults());
  }

  /** Fetches a manifest or index by tag or digest and verifies it. */
  Manifest manifest(RegistryReference ref, String reference, RegistryCredentials credentials)
      throws ImageException {
    String what = "manifest " + reference + " of " + ref.registry() + "/" + ref.repository();
    HttpResponse<InputStream> response =
        get(ref, "manifests/" + reference, ACCEPT_MANIFESTS, what, credentials);
    byte[] bytes;
    try (InputStream in = response.body()) {
      bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
    } catch (IOException e) {
      throw new ImageException(ImageException.Reason.UNREACHABLE,
          what + ": connection lost while reading (" + e + ")", e);
    }
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new ImageException(what + " is larger than " + MAX_MANIFEST_BYTES + " bytes");
    }
    String actual = Digests.of(bytes);
    String expected = reference.startsWith("sha256:") ? reference
        : response.headers().firstValue("Docker-Content-Digest").orElse(actual);
    if (!expected.equals(actual)) {
      throw new ImageException(ImageException.Reason.DIGEST_MISMATCH, what + " digest mismatch:"
          + " expected " + expected + " got " + actual + " (the registry or a proxy altered it)");
    }
    String mediaType = response.headers().firstValue("Content-Type").orElse("")
        .split(";", 2)[0].strip();
    return new Manifest(actual, mediaType, bytes);
  }

  /**
   * Downloads blobs into the store, {@code parallelDownloads} at a time, each verified. Waits for
   * all; if any failed, throws the first failure (in list order) and keeps the blobs that did
   * arrive (they are verified, so a retry reuses them).
   *
   * @param received told of every chunk's size as it arrives, from the download threads (a
   *     negative amount takes back what a failed attempt had counted)
   */
  void fetchBlobs(RegistryReference ref, List<BlobRequest> requests, BlobStore blobs,
      LongConsumer received, RegistryCredentials credentials) throws ImageException {
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (BlobRequest r : requests) {
      futures.add(CompletableFuture.runAsync(() -> {
        try {
          fetchBlob(ref, r, blobs, received, credentials);
        } catch (ImageException e) {
          throw new CompletionException(e);
        }
      }, downloads));
    }
    ImageException first = null;
    for (CompletableFuture<Void> f : futures) {
      try {
        f.join();
      } catch (CompletionException e) {
        if (first == null) {
          first = e.getCause() instanceof ImageException ie ? ie
              : new ImageException("blob download failed: " + e.getCause(), e.getCause());
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Downloads one blob into the store; retries a connection lost mid-body from the start. */
  void fetchBlob(RegistryReference ref, BlobRequest r, BlobStore blobs, LongConsumer received,
      RegistryCredentials credentials) throws ImageException {
    RetryPolicy retry = http.retry();
    for (int attempt = 1; ; attempt++) {
      HttpResponse<InputStream> response =
          get(ref, "blobs/" + r.digest(), "*/*", r.what(), credentials);
      Counted counted = new Counted(response.body(), received);
      try (InputStream in = counted) {
        // A registry that keeps sending cannot fill the disk: read at most the promised size;
        // the digest check then catches any difference.
        blobs.put(r.size() >= 0 ? new Limited(in, r.size()) : in, r.digest(), r.what());
        return;
      } catch (IOException e) {
        received.accept(-counted.count);
        if (attempt >= retry.attempts()) {
          throw new ImageException(ImageException.Reason.UNREACHABLE, r.what() + " from "
              + ref.registry() + ": download kept failing (" + e + ") after " + attempt
              + " attempts", e);
        }
        log.info("{}: download failed ({}); retrying ({}/{})", r.what(), e, attempt,
            retry.attempts());
        RetryPolicy.sleep(retry.backoff(attempt));
      }
    }
  }

  /** GETs a repository path, answering one auth challenge; maps final errors to reasons. */
  private HttpResponse<InputStream> get(RegistryReference ref, String path, String accept,
      String what, RegistryCredentials credentials) throws ImageException {
    boolean plainHttp = insecure.contains(ref.registry()) || insecure.contains(ref.apiHost());
    URI uri = URI.create((plainHttp ? "http://" : "https://") + ref.apiHost() + "/v2/"
        + ref.repository() + "/" + path);
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", accept);
    auth.current(ref, credentials).ifPresent(a -> headers.put("Authorization", a));
    HttpResponse<InputStream> response = http.get(uri, headers, what);
    if (response.statusCode() == 401) {
      String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
      RegistryHttp.errorSummary(response); // drains and closes
      headers.put("Authorization", auth.authorize(ref, challenge, plainHttp, credentials));
      response = http.get(uri, headers, what);
    }
    int status = response.statusCode();
    if (status == 200) {
      return response;
    }
    String summary = RegistryHttp.errorSummary(response);
    String code = RegistryHttp.errorCode(summary);
    if (status == 401 || status == 403) {
      throw new ImageException(ImageException.Reason.UNAUTHORIZED, what + ": access denied "
          + auth.who(ref, credentials) + " (HTTP " + status + summary + "); the repository may not exist,"
          + " or needs credentials with pull access");
    }
    if (status == 404) {
      String missing = switch (code) {
        case "NAME_UNKNOWN" -> "the registry has no repository '" + ref.repository() + "'";
        // distribution 2.x answers this for an unknown repository too.
        case "MANIFEST_UNKNOWN" -> "the repository has no tag or manifest '"
            + path.substring(path.indexOf('/') + 1) + "' (or the repository does not exist)";
        case "BLOB_UNKNOWN" -> "the registry is missing this blob";
        default -> "not found";
      };
      throw new ImageException(ImageException.Reason.NOT_FOUND,
          what + ": " + missing + " (HTTP 404" + summary + ")");
    }
    throw new ImageException(what + ": unexpected HTTP " + status + summary);
  }

  /** Tells {@code received} of every chunk read. */
  private static final class Counted extends FilterInputStream {
    private final LongConsumer received;
    private long count;

    Counted(InputStream in, LongConsumer received) {
      super(in);
      this.received = received;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
        received.accept(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        count += n;
        received.accept(n);
      }
      return n;
    }
  }

  /** Ends the stream after {@code remaining} bytes. */
  private static final class Limited extends FilterInputStream {
    private long remaining;

    Limited(InputStream in, long limit) {
      super(in);
      this.remaining = limit;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = super.read();
      remaining -= b < 0 ? 0 : 1;
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(buf, off, (int) Math.min(len, remaining));
      remaining -= Math.max(n, 0);
      return n;
    }
  }
}
