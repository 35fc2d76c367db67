package dev.gantry.agent.image;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pull policies, single-flight pulls and pull progress, against {@link FakeRegistry}'s request counts. */
class PullPolicyTest {
  private static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50));
  @TempDir Path tmp;
  private FakeRegistry registry;
  private OciImageWriter.WrittenImage written;
  private String ref;

  @AfterEach
  void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private ImageStore start() throws Exception {
    written = new OciImageWriter()
        .layer(new LayerTar().directory("bin", 0755).file("bin/app", 0755, "app-v1"))
        .layer(new LayerTar().directory("etc", 0755).file("etc/app.conf", 0644, "conf"))
        .gzip(true).entrypoint("/bin/app").refName("1").writeLayout(tmp.resolve("layout"));
    registry = new FakeRegistry(tmp.resolve("layout"), FakeRegistry.Auth.NONE);
    ref = registry.host() + "/app:1";
    return store();
  }

  private ImageStore store() {
    return new ImageStore(tmp.resolve("store"),
        new RegistryClient(RegistryCredentials.none(), Set.of(registry.host()), FAST, 3));
  }

  private int manifestHits() {
    return registry.hits("/manifests/1") + registry.hits("/manifests/" + written.manifestDigest());
  }

  private int blobHits() {
    return registry.hits("/blobs/" + written.configDigest())
        + written.layerDigests().stream().mapToInt(d -> registry.hits("/blobs/" + d)).sum();
  }

  @Test
  void defaultsFollowKubernetes() {
    assertThat(PullPolicy.of("", "nginx")).isEqualTo(PullPolicy.ALWAYS);
    assertThat(PullPolicy.of("", "host:5000/app:latest")).isEqualTo(PullPolicy.ALWAYS);
    assertThat(PullPolicy.of("", "host:5000/app:1.2")).isEqualTo(PullPolicy.IF_NOT_PRESENT);
    assertThat(PullPolicy.of("", "nginx@sha256:" + "a".repeat(64))).isEqualTo(PullPolicy.IF_NOT_PRESENT);
    assertThat(PullPolicy.of("never", "nginx")).isEqualTo(PullPolicy.NEVER);
    assertThat(PullPolicy.of("if-not-present", "nginx")).isEqualTo(PullPolicy.IF_NOT_PRESENT);
    assertThat(PullPolicy.IF_NOT_PRESENT.spec()).isEqualTo("if-not-present");
    assertThatThrownBy(() -> PullPolicy.of("sometimes", "nginx"))
        .hasMessageContaining("'sometimes' is not a pull policy");
  }

  @Test
  void ifNotPresentAsksTheRegistryOnlyForAnImageThisNodeLacks() throws Exception {
    ImageStore store = start();
    Image first = store.ensure(ref, PullPolicy.IF_NOT_PRESENT, p -> { });
    assertThat(manifestHits()).isEqualTo(1);
    assertThat(blobHits()).isEqualTo(3);

    registry.close(); // not needed any more, even by a new store on the same root
    Image again = store().ensure(ref, PullPolicy.IF_NOT_PRESENT, p -> { });
    assertThat(again).isEqualTo(first);
    registry = null;
  }

  @Test
  void alwaysResolvesTheTagAgainButDownloadsNothingItHas() throws Exception {
    ImageStore store = start();
    store.ensure(ref, PullPolicy.ALWAYS, p -> { });
    store.ensure(ref, PullPolicy.ALWAYS, p -> { });
    assertThat(manifestHits()).isEqualTo(2);
    assertThat(blobHits()).isEqualTo(3);
    registry.close();
    assertThatThrownBy(() -> store.ensure(ref, PullPolicy.ALWAYS, p -> { }))
        .hasMessageContaining("registry unreachable")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNREACHABLE);
    registry = null;
  }

  @Test
  void neverUsesOnlyWhatIsOnTheNode() throws Exception {
    ImageStore store = start();
    assertThatThrownBy(() -> store.ensure(ref, PullPolicy.NEVER, p -> { }))
        .hasMessageContaining("image " + ref + ": not found: not on this node, and the pull policy is never")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.NOT_FOUND);
    assertThat(manifestHits() + blobHits()).isZero();

    Image pulled = store.ensure(ref, PullPolicy.IF_NOT_PRESENT, p -> { });
    registry.close();
    assertThat(store.ensure(ref, PullPolicy.NEVER, p -> { })).isEqualTo(pulled);
    registry = null;
  }

  @Test
  void concurrentCallersShareOnePullAndItsProgress() throws Exception {
    ImageStore store = start();
    registry.holdBlobs();
    int callers = 6;
    List<List<PullProgress>> heard = new ArrayList<>();
    CountDownLatch calling = new CountDownLatch(callers);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<Image>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        List<PullProgress> mine = new CopyOnWriteArrayList<>();
        heard.add(mine);
        results.add(pool.submit(() -> {
          calling.countDown();
          return store.ensure(ref, PullPolicy.ALWAYS, mine::add);
        }));
      }
      calling.await();
      eventually(() -> registry.hits("/blobs/" + written.configDigest()) == 1);
      Thread.sleep(200); // every caller is inside ensure() by now, waiting on the held pull
      registry.releaseBlobs();
      Set<Image> distinct = new HashSet<>();
      for (Future<Image> f : results) {
        distinct.add(f.get());
      }
      assertThat(distinct).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(manifestHits()).as("one resolve of the tag for all callers").isEqualTo(1);
    assertThat(blobHits()).isEqualTo(3);
    for (List<PullProgress> mine : heard) {
      assertThat(mine).as("every caller hears the shared pull").isNotEmpty();
      assertThat(mine.get(mine.size() - 1).phase()).isEqualTo(PullProgress.Phase.UNPACKING);
    }
    List<String> leader = heard.stream().max((a, b) -> a.size() - b.size()).orElseThrow()
        .stream().map(PullProgress::describe).toList();
    assertThat(leader.get(0)).isEqualTo("pulling " + ref + ": resolving");
    assertThat(leader).anyMatch(m -> m.matches("pulling \\Q" + ref + "\\E: 0\\.0/0\\.0 MB"))
        .contains("unpacking " + ref);
  }

  @Test
  void garbageCollectionWaitsForNoPullAndNoPullWaitsForIt() throws Exception {
    ImageStore store = start();
    registry.holdBlobs();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Image> pull = pool.submit(() -> store.ensure(ref, PullPolicy.ALWAYS, p -> { }));
      eventually(() -> registry.hits("/blobs/" + written.configDigest()) == 1);
      ImageGcPolicy everything = new ImageGcPolicy(1, Duration.ofMillis(1), Duration.ZERO);
      assertThat(store.collectGarbage(everything, Set.of()).skipped()).isTrue();
      registry.releaseBlobs();
      Image image = pull.get();
      assertThat(Files.readString(image.layers().get(0).resolve("bin/app"))).isEqualTo("app-v1");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPullThatFailsFailsEveryCallerWithTheRegistrysReason() throws Exception {
    ImageStore store = start();
    assertThatThrownBy(() -> store.ensure(registry.host() + "/app:2", PullPolicy.IF_NOT_PRESENT, p -> { }))
        .hasMessageContaining("image " + registry.host() + "/app:2: not found:")
        .hasMessageContaining("no tag or manifest '2'");
  }
}
