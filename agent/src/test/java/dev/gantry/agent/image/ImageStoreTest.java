package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
  @TempDir Path tmp;

  private static OciImageWriter app(String name) {
    return new OciImageWriter()
        .layer(new LayerTar().directory("bin", 0755).file("bin/app", 0755, "base-" + name))
        .layer(new LayerTar().directory("etc", 0755).file("etc/app.conf", 0644, "conf-" + name))
        .entrypoint("/bin/app").cmd("--serve").env("PATH=/bin", "MODE=" + name)
        .workingDir("/srv").user("1000:1000").refName(name);
  }

  private ImageStore store() {
    return new ImageStore(tmp.resolve("store"));
  }

  private List<String> layerDirs() throws Exception {
    try (Stream<Path> s = Files.list(tmp.resolve("store/layers"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void assertApp(Image image, String name) throws Exception {
    assertThat(image.layers()).hasSize(2);
    assertThat(Files.readString(image.layers().get(0).resolve("bin/app"))).isEqualTo("base-" + name);
    assertThat(Files.readString(image.layers().get(1).resolve("etc/app.conf"))).isEqualTo("conf-" + name);
    assertThat(image.config()).isEqualTo(new ImageConfig(List.of("/bin/app"), List.of("--serve"),
        List.of("PATH=/bin", "MODE=" + name), "/srv", "1000:1000"));
  }

  @Test
  void loadsOciLayoutDirectory() throws Exception {
    OciImageWriter.WrittenImage written = app("demo:1").writeLayout(tmp.resolve("layout"));
    Image image = store().ensure(tmp.resolve("layout").toString());
    assertApp(image, "demo:1");
    assertThat(image.manifestDigest()).isEqualTo(written.manifestDigest());
    assertThat(image.layers().get(0)).isEqualTo(
        tmp.resolve("store/layers").resolve(Digests.hex(written.diffIds().get(0))));
    assertThat(tmp.resolve("store/blobs/sha256").resolve(Digests.hex(written.manifestDigest()))).exists();
    assertThat(tmp.resolve("store/blobs/sha256").resolve(Digests.hex(written.layerDigests().get(1)))).exists();
  }

  @Test
  void loadsGzipOciTarWithFileScheme() throws Exception {
    OciImageWriter.WrittenImage written =
        app("demo:1").gzip(true).writeLayoutTar(tmp.resolve("img.tar"));
    Image image = store().ensure("file:" + tmp.resolve("img.tar") + "#demo:1");
    assertApp(image, "demo:1");
    assertThat(image.manifestDigest()).isEqualTo(written.manifestDigest());
    assertThat(written.layerDigests()).doesNotContainAnyElementsOf(written.diffIds());
    assertThat(layerDirs()).containsExactlyInAnyOrderElementsOf(
        written.diffIds().stream().map(Digests::hex).toList());
  }

  @Test
  void loadsClassicAndContentAddressedDockerSave() throws Exception {
    OciImageWriter.WrittenImage classic =
        app("classic:1").writeDockerSave(tmp.resolve("classic.tar"), false);
    Image a = store().ensure(tmp.resolve("classic.tar").toString());
    assertApp(a, "classic:1");
    assertThat(a.manifestDigest()).isEqualTo(classic.configDigest());

    app("modern:1").gzip(true).writeDockerSave(tmp.resolve("modern.tar"), true);
    assertApp(store().ensure(tmp.resolve("modern.tar") + "#modern:1"), "modern:1");
  }

  @Test
  void selectsByNameAmongSeveralImagesAndExplainsAmbiguity() throws Exception {
    Path layout = tmp.resolve("layout");
    app("web:1").writeLayout(layout);
    app("db:2").writeLayout(layout);
    ImageStore store = store();
    assertApp(store.ensure(layout + "#db:2"), "db:2");
    assertApp(store.ensure(layout + "#1"), "web:1"); // a bare tag is enough when unique
    assertThatThrownBy(() -> store.ensure(layout.toString()))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("holds 2 images").hasMessageContaining("web:1")
        .hasMessageContaining("db:2").hasMessageContaining("#name:tag");
    assertThatThrownBy(() -> store.ensure(layout + "#cache:3"))
        .hasMessageContaining("no image named 'cache:3'").hasMessageContaining("web:1, db:2");
  }

  @Test
  void selectsByRepoTagInMultiImageDockerSave() throws Exception {
    Path tar = tmp.resolve("two.tar");
    OciImageWriter.writeDockerSave(tar, List.of(app("web:1"), app("db:2")), false);
    assertApp(store().ensure(tar + "#web:1"), "web:1");
    assertThatThrownBy(() -> store().ensure(tar.toString())).hasMessageContaining("holds 2 images");
  }

  @Test
  void choosesHostPlatformFromMultiArchIndex() throws Exception {
    Path layout = tmp.resolve("multi");
    OciImageWriter other = app("x").platform("linux", "s390x");
    OciImageWriter host = app("host");
    OciImageWriter.writeMultiPlatform(layout, "multi:1", List.of(other, host));
    Image image = store().ensure(layout.toString());
    assertThat(Files.readString(image.layers().get(0).resolve("bin/app"))).isEqualTo("base-host");

    Path foreign = tmp.resolve("foreign");
    OciImageWriter.writeMultiPlatform(foreign, "f:1", List.of(app("x").platform("linux", "s390x")));
    assertThatThrownBy(() -> store().ensure(foreign.toString()))
        .hasMessageContaining("no manifest for linux/" + Platform.hostArch())
        .hasMessageContaining("linux/s390x");
  }

  @Test
  void corruptLayerBlobIsRejectedAndLeavesNoLayer() throws Exception {
    Path layout = tmp.resolve("layout");
    OciImageWriter.WrittenImage written = app("demo:1").gzip(true).writeLayout(layout);
    Path blob = layout.resolve("blobs/sha256").resolve(Digests.hex(written.layerDigests().get(1)));
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(blob, bytes);

    assertThatThrownBy(() -> store().ensure(layout.toString()))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("image " + layout)
        .hasMessageContaining("layer " + written.layerDigests().get(1) + " digest mismatch")
        .hasMessageContaining("expected " + written.layerDigests().get(1) + " got sha256:");
    assertThat(layerDirs()).isEmpty();
    assertThat(tmp.resolve("store/blobs/sha256").resolve(Digests.hex(written.layerDigests().get(1))))
        .doesNotExist();
  }

  @Test
  void corruptManifestIsRejected() throws Exception {
    Path layout = tmp.resolve("layout");
    OciImageWriter.WrittenImage written = app("demo:1").writeLayout(layout);
    Path manifest = layout.resolve("blobs/sha256").resolve(Digests.hex(written.manifestDigest()));
    Files.writeString(manifest, Files.readString(manifest).replace("schemaVersion\":2", "schemaVersion\": 2"));
    assertThatThrownBy(() -> store().ensure(layout.toString()))
        .hasMessageContaining("manifest " + written.manifestDigest());
    assertThat(layerDirs()).isEmpty();
  }

  @Test
  void layerNotMatchingConfigDiffIdIsRejected() throws Exception {
    // Classic docker save layers are named by an ID, not their digest: only diff_ids protect them.
    Path tar = tmp.resolve("save.tar");
    OciImageWriter.WrittenImage written = app("demo:1").writeDockerSave(tar, false);
    Path edited = tmp.resolve("edited.tar");
    byte[] bytes = Files.readAllBytes(tar);
    String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = text.indexOf("base-demo:1");
    bytes[at] = 'B';
    Files.write(edited, bytes);
    assertThatThrownBy(() -> store().ensure(edited.toString()))
        .hasMessageContaining("diff_id expects " + written.diffIds().get(0));
    assertThat(layerDirs()).isEmpty();
  }

  @Test
  void ensureIsIdempotent() throws Exception {
    Path tar = tmp.resolve("img.tar");
    app("demo:1").writeLayoutTar(tar);
    ImageStore store = store();
    Image first = store.ensure(tar.toString());
    Path marker = first.layers().get(0).resolve("bin/app");
    long inode = (Long) Files.getAttribute(marker, "unix:ino");
    Image second = store.ensure(tar.toString());
    assertThat(second).isEqualTo(first);
    assertThat((Long) Files.getAttribute(marker, "unix:ino")).isEqualTo(inode); // not re-extracted
    assertThat(new ImageStore(tmp.resolve("store")).ensure(tar.toString())).isEqualTo(first);
    assertThat(layerDirs()).hasSize(2);
  }

  @Test
  void concurrentEnsureExtractsEachLayerOnce() throws Exception {
    Path tar = tmp.resolve("img.tar");
    app("demo:1").gzip(true).writeLayoutTar(tar);
    ImageStore store = store();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Image>> results = new ArrayList<>();
      Callable<Image> task = () -> store.ensure(tar.toString());
      for (int i = 0; i < 16; i++) {
        results.add(pool.submit(task));
      }
      Set<Image> distinct = new HashSet<>();
      for (Future<Image> f : results) {
        distinct.add(f.get());
      }
      assertThat(distinct).hasSize(1);
      assertApp(distinct.iterator().next(), "demo:1");
    } finally {
      pool.shutdownNow();
    }
    assertThat(layerDirs()).hasSize(2).noneMatch(n -> n.startsWith("."));
  }

  @Test
  void sharedLayersAreStoredOnce() throws Exception {
    LayerTar base = new LayerTar().directory("bin", 0755).file("bin/app", 0755, "shared");
    new OciImageWriter().layer(base).refName("a:1").writeLayout(tmp.resolve("l"));
    new OciImageWriter().layer(base).layer(new LayerTar().file("x", 0644, "x"))
        .refName("b:1").writeLayout(tmp.resolve("l"));
    ImageStore store = store();
    Image a = store.ensure(tmp.resolve("l") + "#a:1");
    Image b = store.ensure(tmp.resolve("l") + "#b:1");
    assertThat(b.layers().get(0)).isEqualTo(a.layers().get(0));
    assertThat(layerDirs()).hasSize(2);
  }

  @Test
  void explainsUnusableInputs() throws Exception {
    assertThatThrownBy(() -> store().ensure(tmp.resolve("missing.tar").toString()))
        .hasMessageContaining("missing.tar").hasMessageContaining("no such file");
    Path notImage = tmp.resolve("plain.tar");
    OciImageWriter.tarDirectory(Files.createDirectories(tmp.resolve("empty")), notImage);
    assertThatThrownBy(() -> store().ensure(notImage.toString()))
        .hasMessageContaining("neither oci-layout+index.json nor manifest.json");
    Path gz = Files.write(tmp.resolve("x.tar.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
    assertThatThrownBy(() -> store().ensure(gz.toString())).hasMessageContaining("decompress it");
  }

  @Test
  void zstdLayersGetAClearError() throws Exception {
    Path layout = tmp.resolve("layout");
    OciImageWriter.WrittenImage written = app("demo:1").writeLayout(layout);
    Path manifest = layout.resolve("blobs/sha256").resolve(Digests.hex(written.manifestDigest()));
    String original = Files.readString(manifest);
    String edited = original.replace("v1.tar\"", "v1.tar+zstd\"");
    Files.writeString(manifest, edited);
    String digest = Digests.of(edited.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Files.writeString(layout.resolve("blobs/sha256").resolve(Digests.hex(digest)), edited);
    Path index = layout.resolve("index.json");
    Files.writeString(index, Files.readString(index)
        .replace(written.manifestDigest(), digest)
        .replace("\"size\":" + original.length(), "\"size\":" + edited.length()));
    assertThatThrownBy(() -> store().ensure(layout.toString()))
        .hasMessageContaining("zstd-compressed");
  }

  @Test
  void exportsADockerSaveTarForTheDockerEngineWithoutUnpacking() throws Exception {
    Path layout = tmp.resolve("app.tar");
    OciImageWriter.WrittenImage written = app("demo:1").gzip(true).writeLayoutTar(layout);
    ImageStore store = store();
    assertThat(store.localImageId("file:" + layout)).isEqualTo(written.configDigest());

    Path exported = tmp.resolve("exported.tar");
    try (var out = Files.newOutputStream(exported)) {
      assertThat(store.exportDockerSave("file:" + layout, out)).isEqualTo(written.configDigest());
    }
    assertThat(layerDirs()).isEmpty();
    List<String> names = new ArrayList<>();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(exported))) {
      for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) names.add(e.getName());
    }
    String configHex = Digests.hex(written.configDigest());
    assertThat(names).containsExactly("manifest.json", configHex + ".json",
        Digests.hex(written.layerDigests().get(0)) + "/layer.tar", Digests.hex(written.layerDigests().get(1)) + "/layer.tar");

    // What the engine would load is a valid docker-save archive of the same image (diff_ids checked).
    Image reloaded = store.ensure(exported.toString());
    assertApp(reloaded, "demo:1");
    assertThat(reloaded.manifestDigest()).isEqualTo(written.configDigest());
  }
}
