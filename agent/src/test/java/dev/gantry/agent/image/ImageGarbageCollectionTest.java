package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage collection of the image store on a temp dir, on virtual time, with a fake mount table. */
class ImageGarbageCollectionTest {
  @TempDir Path tmp;
  // File times are real: start the virtual clock at the real now, so "25 hours later" is later than every file.
  private final ManualClock clock = new ManualClock(Instant.now());
  private final Set<Path> mounted = new HashSet<>();
  private ImageStore store;

  private ImageStore store() {
    return new ImageStore(tmp.resolve("store"),
        new RegistryClient(RegistryCredentials.none(), Set.of()), clock, dir -> Set.copyOf(mounted));
  }

  private static final LayerTar BASE = new LayerTar().directory("bin", 0755)
      .file("bin/sh", 0755, "shared base layer");

  /** An image in an OCI layout: the shared base layer, then one layer of its own ({@code bytes} random bytes). */
  private String image(String name, int bytes) throws Exception {
    byte[] data = new byte[bytes];
    new Random(name.hashCode()).nextBytes(data);
    Path layout = tmp.resolve("layout-" + name);
    new OciImageWriter().layer(BASE).layer(new LayerTar().file(name + ".bin", 0644, data))
        .entrypoint("/bin/sh").refName(name).writeLayout(layout);
    return layout.toString();
  }

  private Set<String> entries(String dir) throws Exception {
    try (Stream<Path> s = Files.list(tmp.resolve("store").resolve(dir))) {
      return new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
    }
  }

  private static String hex(Path layer) {
    return layer.getFileName().toString();
  }

  private static ImageGcPolicy maxAge(Duration age) {
    return new ImageGcPolicy(0, age, Duration.ofMinutes(10));
  }

  @Test
  void removesImagesUnusedForLongerThanTheMaxAgeAndKeepsLayersOthersShare() throws Exception {
    store = store();
    String a = image("a", 1000);
    String b = image("b", 1000);
    Image imageA = store.ensure(a);
    Image imageB = store.ensure(b);
    clock.advance(Duration.ofHours(2));
    store.ensure(a);
    clock.advance(Duration.ofHours(23)); // b unused for 25 h, a for 23 h

    ImageGcReport report = store.collectGarbage(maxAge(Duration.ofHours(24)), Set.of());
    assertThat(report.imagesRemoved()).isEqualTo(1);
    assertThat(report.layersRemoved()).isEqualTo(1);
    assertThat(report.blobsRemoved()).isEqualTo(3); // b's manifest, config, own layer blob
    assertThat(entries("layers")).containsExactlyInAnyOrder(hex(imageA.layers().get(0)), hex(imageA.layers().get(1)));
    assertThat(entries("images")).containsExactly(Digests.hex(imageA.manifestDigest()) + ".json");
    assertThat(imageB.layers().get(1)).doesNotExist();

    Image again = store.ensure(b); // gone from the store, not from its archive
    assertThat(Files.size(again.layers().get(1).resolve("b.bin"))).isEqualTo(1000);
    assertThat(store.collectGarbage(maxAge(Duration.ofHours(24)), Set.of()).removedAnything()).isFalse();
  }

  @Test
  void neverRemovesAnImageInUseMountedOrUsedWithinTheMinimumAge() throws Exception {
    store = store();
    String a = image("a", 100);
    String b = image("b", 100);
    String c = image("c", 100);
    store.ensure(a);
    store.ensure(b);
    Image imageC = store.ensure(c);
    clock.advance(Duration.ofHours(2));
    Image imageB = store.ensure(b);
    clock.advance(Duration.ofMinutes(5)); // b used 5 min ago, within the 10 min minimum age
    mounted.add(imageC.layers().get(1)); // a container runs on c, whatever the agent thinks

    ImageGcReport kept = store.collectGarbage(maxAge(Duration.ofHours(1)), Set.of(a));
    assertThat(kept.removedAnything()).isFalse();

    mounted.clear();
    ImageGcReport report = store.collectGarbage(maxAge(Duration.ofHours(1)), Set.of());
    assertThat(report.imagesRemoved()).isEqualTo(2);
    assertThat(entries("images")).containsExactly(Digests.hex(imageB.manifestDigest()) + ".json");
    assertThat(entries("layers")).containsExactlyInAnyOrder(hex(imageB.layers().get(0)), hex(imageB.layers().get(1)));
  }

  @Test
  void shrinksAStoreOverItsSizeLimitLeastRecentlyUsedFirst() throws Exception {
    store = store();
    int mib = 1 << 20;
    String a = image("a", mib);
    String b = image("b", mib);
    String c = image("c", mib);
    Image imageA = store.ensure(a);
    clock.advance(Duration.ofMinutes(1));
    Image imageB = store.ensure(b);
    clock.advance(Duration.ofMinutes(1));
    Image imageC = store.ensure(c);
    clock.advance(Duration.ofHours(1));
    // Each image: its 1 MiB layer blob (uncompressed) and the same unpacked: about 6 MiB in all.
    ImageGcPolicy policy = new ImageGcPolicy(11 * mib / 2, Duration.ZERO, Duration.ofMinutes(10));

    ImageGcReport report = store.collectGarbage(policy, Set.of());
    assertThat(report.imagesRemoved()).as("a, the least recently used, is enough").isEqualTo(1);
    assertThat(imageA.layers().get(1)).doesNotExist();
    assertThat(imageB.layers().get(1)).exists();
    assertThat(imageC.layers().get(1)).exists();
    assertThat(report.bytesInStore()).isLessThanOrEqualTo(policy.targetBytes()).isGreaterThan(4L * mib);
    assertThat(report.bytesFreed()).isGreaterThanOrEqualTo(2L * mib);

    ImageGcReport inUse = store.collectGarbage(new ImageGcPolicy(mib, Duration.ZERO, Duration.ofMinutes(10)),
        Set.of(b, c));
    assertThat(inUse.imagesRemoved()).as("over the limit, but everything left is in use").isZero();
  }

  @Test
  void recordsSurviveARestartAndBlobsNoImageNeedsAreSwept() throws Exception {
    store = store();
    Image imageA = store.ensure(image("a", 100));
    Path stray = Files.writeString(tmp.resolve("store/blobs/sha256").resolve("f".repeat(64)), "left by a failed pull");
    clock.advance(Duration.ofHours(1));
    store = store(); // a new agent process on the same store
    ImageGcReport report = store.collectGarbage(maxAge(Duration.ofHours(2)), Set.of());
    assertThat(report.imagesRemoved()).isZero();
    assertThat(report.blobsRemoved()).isEqualTo(1);
    assertThat(stray).doesNotExist();
    assertThat(imageA.layers()).allSatisfy(l -> assertThat(l).isDirectory());
  }

  @Test
  void readsOverlayLowerDirectoriesFromTheMountTable() {
    Path layers = Path.of("/var/lib/gantry/agent/images/layers");
    List<String> mountinfo = List.of(
        "26 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "208 26 0:79 / /var/lib/gantry/agent/runc/containers/a1-web/rootfs rw,relatime - overlay overlay"
            + " rw,lowerdir=/var/lib/gantry/agent/images/layers/bbb:/var/lib/gantry/agent/images/layers/aaa,"
            + "upperdir=/var/lib/gantry/agent/runc/containers/a1-web/upper,workdir=/x/work,uuid=on",
        "209 26 0:80 / /mnt/other rw - overlay overlay rw,lowerdir=/somewhere/else/l1,upperdir=/u,workdir=/w",
        "210 26 0:81 / /mnt/sp\\040ace rw - overlay overlay rw,lowerdir=/var/lib/gantry/agent/images/layers/c\\040c");
    assertThat(MountedLayers.parse(mountinfo, layers))
        .containsExactlyInAnyOrder(layers.resolve("bbb"), layers.resolve("aaa"), layers.resolve("c c"));
  }
}
