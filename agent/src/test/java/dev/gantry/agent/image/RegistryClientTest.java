package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registry pulls against {@link FakeRegistry}: auth flows, retries, errors, single flight. */
class RegistryClientTest {
  private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50));
  @TempDir Path tmp;
  private FakeRegistry registry;
  private OciImageWriter.WrittenImage written;

  @AfterEach
  void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private FakeRegistry start(FakeRegistry.Auth auth) throws IOException {
    written = new OciImageWriter()
        .layer(new LayerTar().directory("bin", 0755).file("bin/app", 0755, "app-v1"))
        .layer(new LayerTar().directory("etc", 0755).file("etc/app.conf", 0644, "conf"))
        .gzip(true).entrypoint("/bin/app").refName("1").writeLayout(tmp.resolve("layout"));
    registry = new FakeRegistry(tmp.resolve("layout"), auth);
    return registry;
  }

  // The negative checks ask the registry again (ALWAYS): under if-not-present, the default for
  // these tags, a store that already holds the image would not ask it at all.
  private static final PullPolicy ALWAYS = PullPolicy.ALWAYS;

  private ImageStore store(RegistryCredentials credentials) {
    return new ImageStore(tmp.resolve("store"),
        new RegistryClient(credentials, Set.of(registry.host()), FAST, 3));
  }

  private static RegistryCredentials alice(String registryHost, String password) {
    return RegistryCredentials.of(Map.of("http://" + registryHost + "/",
        new RegistryCredentials.Credential(FakeRegistry.USER, password)));
  }

  private static void assertApp(Image image) throws IOException {
    assertThat(Files.readString(image.layers().get(0).resolve("bin/app"))).isEqualTo("app-v1");
    assertThat(Files.readString(image.layers().get(1).resolve("etc/app.conf"))).isEqualTo("conf");
    assertThat(image.config().entrypoint()).containsExactly("/bin/app");
  }

  @Test
  void pullsWithBasicAuthAndRefusesWithoutOrWithWrongCredentials() throws Exception {
    start(FakeRegistry.Auth.BASIC);
    String ref = registry.host() + "/app:1";
    Image image = store(alice(registry.host(), FakeRegistry.PASSWORD)).ensure(ref);
    assertApp(image);
    assertThat(image.manifestDigest()).isEqualTo(written.manifestDigest());

    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(ref, ALWAYS, p -> { }))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("requires a user name and password")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
    assertThatThrownBy(() -> store(alice(registry.host(), "wrong")).ensure(ref, ALWAYS, p -> { }))
        .hasMessageContaining("access denied as user 'alice'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
  }

  @Test
  void bearerTokenWithCredentialsAndClearErrorsOtherwise() throws Exception {
    start(FakeRegistry.Auth.BEARER);
    String ref = registry.host() + "/app:1";
    assertApp(store(alice(registry.host(), FakeRegistry.PASSWORD)).ensure(ref));

    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(ref, ALWAYS, p -> { }))
        .hasMessageContaining("access denied anonymously")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
    assertThatThrownBy(() -> store(alice(registry.host(), "wrong")).ensure(ref, ALWAYS, p -> { }))
        .hasMessageContaining("token server refused access as user 'alice'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
  }

  @Test
  void credentialsComeFromDockerConfigJson() throws Exception {
    start(FakeRegistry.Auth.BEARER);
    String auth = java.util.Base64.getEncoder().encodeToString(
        (FakeRegistry.USER + ":" + FakeRegistry.PASSWORD).getBytes());
    Path config = Files.writeString(tmp.resolve("config.json"),
        "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
    assertApp(store(RegistryCredentials.fromDockerConfig(config)).ensure(registry.host() + "/app:1"));
  }

  @Test
  void retriesServerErrorsThenGivesUpAsUnreachable() throws Exception {
    start(FakeRegistry.Auth.NONE);
    registry.failNext(2);
    assertApp(store(RegistryCredentials.none()).ensure(registry.host() + "/app:1"));

    registry.failNext(100);
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/app:1", ALWAYS, p -> { }))
        .hasMessageContaining("HTTP 503").hasMessageContaining("gave up after 3 attempts")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNREACHABLE);
  }

  @Test
  void unknownTagAndRepositoryAreNotFound() throws Exception {
    start(FakeRegistry.Auth.NONE);
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/app:2"))
        .hasMessageContaining("image " + registry.host() + "/app:2")
        .hasMessageContaining("no tag or manifest '2'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.NOT_FOUND);
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/nope:1"))
        .hasMessageContaining("no repository 'nope'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.NOT_FOUND);
  }

  @Test
  void unreachableRegistryIsReportedAfterRetries() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RegistryClient client = new RegistryClient(RegistryCredentials.none(),
        Set.of("127.0.0.1:" + port), FAST, 1);
    assertThatThrownBy(() -> new ImageStore(tmp.resolve("s"), client).ensure("127.0.0.1:" + port + "/app:1"))
        .hasMessageContaining("cannot connect to http://127.0.0.1:" + port)
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNREACHABLE);
    // HTTPS-only by default is tested against the real registry (RegistryPullIT): the JDK's
    // HTTP server never answers a TLS hello, so here it would only time out.
  }

  @Test
  void multiArchIndexPicksHostPlatformOrListsWhatExists() throws Exception {
    Path layout = tmp.resolve("layout");
    OciImageWriter.writeMultiPlatform(layout, "multi", List.of(
        new OciImageWriter().layer(new LayerTar().file("arch", 0644, "s390x")).platform("linux", "s390x"),
        new OciImageWriter().layer(new LayerTar().file("arch", 0644, "host"))));
    OciImageWriter.writeMultiPlatform(layout, "foreign", List.of(
        new OciImageWriter().layer(new LayerTar().file("arch", 0644, "arm")).platform("linux", "riscv64"),
        new OciImageWriter().layer(new LayerTar().file("arch", 0644, "win")).platform("windows", "amd64")));
    registry = new FakeRegistry(layout, FakeRegistry.Auth.NONE);
    Image image = store(RegistryCredentials.none()).ensure(registry.host() + "/app:multi");
    assertThat(Files.readString(image.layers().get(0).resolve("arch"))).isEqualTo("host");
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/app:foreign"))
        .hasMessageContaining("no manifest for linux/" + Platform.hostArch())
        .hasMessageContaining("linux/riscv64, windows/amd64")
        .extracting(e -> ((ImageException) e).reason())
        .isEqualTo(ImageException.Reason.NO_MATCHING_PLATFORM);
  }

  @Test
  void concurrentPullsOfOneImageDownloadEachBlobOnce() throws Exception {
    start(FakeRegistry.Auth.NONE);
    ImageStore store = store(RegistryCredentials.none());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Image>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> store.ensure(registry.host() + "/app:1")));
      }
      Set<Image> distinct = new HashSet<>();
      for (Future<Image> f : results) {
        distinct.add(f.get());
      }
      assertThat(distinct).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(registry.hits("/blobs/" + written.configDigest())).isEqualTo(1);
    for (String layer : written.layerDigests()) {
      assertThat(registry.hits("/blobs/" + layer)).isEqualTo(1);
    }
  }

  @Test
  void digestReferenceIsServedFromTheStoreOnceTagsAreReResolved() throws Exception {
    start(FakeRegistry.Auth.NONE);
    ImageStore store = store(RegistryCredentials.none());
    String byDigest = registry.host() + "/app@" + written.manifestDigest();
    Image first = store.ensure(byDigest);
    assertApp(first);
    registry.close();
    assertThat(store.ensure(byDigest).layers()).isEqualTo(first.layers()); // no network needed
    assertThatThrownBy(() -> store.ensure(registry.host() + "/app:1"))
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNREACHABLE);
    registry = null;
  }

  @Test
  void tamperedLayerIsRejectedAndNothingIsKept() throws Exception {
    start(FakeRegistry.Auth.NONE);
    String layer = written.layerDigests().get(1);
    Path blob = tmp.resolve("layout/blobs/sha256").resolve(Digests.hex(layer));
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(blob, bytes);
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/app:1"))
        .hasMessageContaining("layer " + layer + " digest mismatch: expected " + layer)
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.DIGEST_MISMATCH);
    assertThat(tmp.resolve("store/blobs/sha256").resolve(Digests.hex(layer))).doesNotExist();
    try (Stream<Path> s = Files.list(tmp.resolve("store/layers"))) {
      assertThat(s).isEmpty();
    }
    try (Stream<Path> s = Files.list(tmp.resolve("store/blobs/sha256"))) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
    }
  }
}
