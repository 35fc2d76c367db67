package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a real registry (docker-registry on 127.0.0.1) after pushing locally built images:
 * by tag and digest, a multi-arch index, basic auth (htpasswd) and token auth, a tampered blob,
 * hostile layers.
 */
class RegistryPullIT {
  private static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50));
  @TempDir Path tmp;
  private LocalRegistry registry;
  private TokenServer tokens;
  private int layouts;

  @AfterEach
  void stop() {
    if (registry != null) {
      registry.close();
    }
    if (tokens != null) {
      tokens.close();
    }
  }

  private LocalRegistry anonymousRegistry() throws Exception {
    registry = LocalRegistry.start(Files.createDirectories(tmp.resolve("registry")));
    return registry;
  }

  private ImageStore store(RegistryCredentials credentials) {
    return new ImageStore(tmp.resolve("store"),
        new RegistryClient(credentials, Set.of(registry.host()), FAST, 3));
  }

  private static OciImageWriter app(String version) {
    return new OciImageWriter()
        .layer(new LayerTar().directory("bin", 0755).file("bin/app", 0755, "app-" + version)
            .symlink("bin/sh", "/bin/app"))
        .layer(new LayerTar().directory("etc", 0755).file("etc/version", 0644, version))
        .gzip(true).entrypoint("/bin/app").env("VERSION=" + version).refName(version);
  }

  private String push(OciImageWriter image, String repository, String tag) throws Exception {
    Path layout = tmp.resolve("layout-" + layouts++);
    image.refName(tag).writeLayout(layout);
    return new RegistryPush(registry.base(), repository, null).push(layout, tag, tag);
  }

  private List<String> storeEntries(String dir) throws Exception {
    Path p = tmp.resolve("store").resolve(dir);
    if (!Files.exists(p)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(p)) {
      return s.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void pullsByTagAndByDigest() throws Exception {
    anonymousRegistry();
    String digest = push(app("1.0"), "team/app", "1.0");
    ImageStore store = store(RegistryCredentials.none());

    Image byTag = store.ensure(registry.host() + "/team/app:1.0");
    assertThat(byTag.manifestDigest()).isEqualTo(digest);
    assertThat(Files.readString(byTag.layers().get(0).resolve("bin/app"))).isEqualTo("app-1.0");
    assertThat(Files.readSymbolicLink(byTag.layers().get(0).resolve("bin/sh")).toString())
        .isEqualTo("/bin/app");
    assertThat(Files.readString(byTag.layers().get(1).resolve("etc/version"))).isEqualTo("1.0");
    assertThat(byTag.config().env()).containsExactly("VERSION=1.0");

    Image byDigest = store.ensure(registry.host() + "/team/app@" + digest);
    assertThat(byDigest.layers()).isEqualTo(byTag.layers());
    assertThat(byDigest.manifestDigest()).isEqualTo(digest);

    // A moved tag: if-not-present (the default for "1.0") keeps what this node has; always follows it.
    String digest2 = push(app("2.0"), "team/app", "1.0");
    assertThat(store.ensure(registry.host() + "/team/app:1.0").manifestDigest()).isEqualTo(digest);
    Image moved = store.ensure(registry.host() + "/team/app:1.0", PullPolicy.ALWAYS, p -> { });
    assertThat(moved.manifestDigest()).isEqualTo(digest2).isNotEqualTo(digest);
    assertThat(Files.readString(moved.layers().get(0).resolve("bin/app"))).isEqualTo("app-2.0");
    assertThat(store.ensure(registry.host() + "/team/app:1.0", PullPolicy.NEVER, p -> { }).manifestDigest())
        .isEqualTo(digest2);
  }

  @Test
  void pullsTheHostPlatformOfAMultiArchIndex() throws Exception {
    anonymousRegistry();
    Path layout = tmp.resolve("multi");
    OciImageWriter.writeMultiPlatform(layout, "multi", List.of(
        app("s390x").platform("linux", "s390x"), app("host")));
    OciImageWriter.writeMultiPlatform(layout, "foreign", List.of(
        app("s390x").platform("linux", "s390x"), app("ppc").platform("linux", "ppc64le")));
    RegistryPush push = new RegistryPush(registry.base(), "multi", null);
    String index = push.push(layout, "multi", "1");
    push.push(layout, "foreign", "foreign");

    Image image = store(RegistryCredentials.none()).ensure(registry.host() + "/multi:1");
    assertThat(Files.readString(image.layers().get(0).resolve("bin/app"))).isEqualTo("app-host");
    assertThat(image.manifestDigest()).isNotEqualTo(index); // the platform's manifest
    Image byIndexDigest = store(RegistryCredentials.none()).ensure(registry.host() + "/multi@" + index);
    assertThat(byIndexDigest.layers()).isEqualTo(image.layers());

    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/multi:foreign"))
        .hasMessageContaining("no manifest for linux/" + Platform.hostArch())
        .hasMessageContaining("linux/s390x, linux/ppc64le")
        .extracting(e -> ((ImageException) e).reason())
        .isEqualTo(ImageException.Reason.NO_MATCHING_PLATFORM);
  }

  @Test
  void tamperedBlobInTheRegistryIsRejected() throws Exception {
    anonymousRegistry();
    OciImageWriter image = app("1.0");
    push(image, "app", "1.0");
    OciImageWriter.WrittenImage written = app("1.0").writeLayout(tmp.resolve("again"));
    String layer = written.layerDigests().get(1);
    Path data = registry.blobData(layer);
    byte[] bytes = Files.readAllBytes(data);
    bytes[bytes.length / 2] ^= 0x55; // same size: the registry serves it without noticing
    Files.write(data, bytes);

    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/app:1.0"))
        .hasMessageContaining("layer " + layer + " digest mismatch: expected " + layer + " got sha256:")
        .extracting(e -> ((ImageException) e).reason())
        .isEqualTo(ImageException.Reason.DIGEST_MISMATCH);
    assertThat(storeEntries("layers")).isEmpty();
    assertThat(storeEntries("blobs/sha256")).doesNotContain(Digests.hex(layer))
        .noneMatch(n -> n.startsWith("."));
  }

  @Test
  void hostileLayersArePulledSafely() throws Exception {
    anonymousRegistry();
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("passwd"), "sentinel");
    String out = outside.toString().substring(1);

    push(new OciImageWriter().layer(new LayerTar()
        .file("../../../../../../../" + out + "/pwned", 0644, "x")), "evil", "dotdot");
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/evil:dotdot"))
        .hasMessageContaining("escapes the layer root");
    assertThat(storeEntries("layers")).isEmpty();

    push(new OciImageWriter().layer(new LayerTar().directory(out, 0755)
        .symlink("link", "/" + out).file("link/passwd", 0644, "inside")
        .hardLink("h", "/" + out + "/passwd")), "evil", "symlink");
    Image image = store(RegistryCredentials.none()).ensure(registry.host() + "/evil:symlink");
    assertThat(image.layers().get(0).resolve(out + "/passwd")).hasContent("inside");

    push(new OciImageWriter().layer(new LayerTar().hardLink("h", "/" + out + "/passwd")),
        "evil", "hardlink");
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/evil:hardlink"))
        .hasMessageContaining("not an earlier entry");

    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("passwd");
    }
    assertThat(outside.resolve("passwd")).hasContent("sentinel");
    assertThat(Files.getAttribute(outside.resolve("passwd"), "unix:nlink")).isEqualTo(1);
  }

  @Test
  void explainsUnknownImagesAndRefusesPlainHttpUnlessListed() throws Exception {
    anonymousRegistry();
    push(app("1.0"), "app", "1.0");
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/app:9"))
        .hasMessageContaining("no tag or manifest '9'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.NOT_FOUND);
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/nothing:1"))
        .hasMessageContaining("no tag or manifest '1'").hasMessageContaining("does not exist")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.NOT_FOUND);

    RegistryClient httpsOnly = new RegistryClient(RegistryCredentials.none(), Set.of(), FAST, 1);
    assertThatThrownBy(() -> new ImageStore(tmp.resolve("s2"), httpsOnly).ensure(registry.host() + "/app:1.0"))
        .hasMessageContaining("https://" + registry.host())
        .hasMessageContaining("list it as an insecure registry")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNREACHABLE);
  }

  @Test
  void bearerTokenAuthWithATokenServer() throws Exception {
    tokens = new TokenServer(Files.createDirectories(tmp.resolve("tokens")));
    registry = LocalRegistry.start(Files.createDirectories(tmp.resolve("registry")),
        tokens.registryAuth());
    Path layout = tmp.resolve("layout");
    app("1.0").writeLayout(layout);
    String digest = new RegistryPush(registry.base(), "private/app", tokens.pushToken("private/app"))
        .push(layout, "1.0", "1.0");

    RegistryCredentials bob = RegistryCredentials.of(Map.of(registry.host(),
        new RegistryCredentials.Credential(TokenServer.USER, TokenServer.PASSWORD)));
    Image image = store(bob).ensure(registry.host() + "/private/app:1.0");
    assertThat(image.manifestDigest()).isEqualTo(digest);
    assertThat(Files.readString(image.layers().get(1).resolve("etc/version"))).isEqualTo("1.0");

    // ALWAYS: under if-not-present (the default for 1.0) the store holding the image would not ask.
    assertThatThrownBy(() -> store(RegistryCredentials.none()).ensure(registry.host() + "/private/app:1.0",
        PullPolicy.ALWAYS, p -> { }))
        .hasMessageContaining("access denied anonymously")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
    RegistryCredentials wrong = RegistryCredentials.of(Map.of(registry.host(),
        new RegistryCredentials.Credential(TokenServer.USER, "wrong")));
    assertThatThrownBy(() -> store(wrong).ensure(registry.host() + "/private/app:1.0", PullPolicy.ALWAYS,
        p -> { }))
        .hasMessageContaining("token server refused access as user 'bob'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
  }

  @Test
  void basicAuthWithCredentialsFromADockerConfigJson() throws Exception {
    registry = LocalRegistry.startWithBasicAuth(tmp.resolve("registry"), "carol", "pa55:word");
    String basic = FakeRegistry.basic("carol", "pa55:word");
    Path layout = tmp.resolve("layout");
    app("1.0").writeLayout(layout);
    String digest = new RegistryPush(registry.base(), "private/app", basic).push(layout, "1.0", "1.0");
    String ref = registry.host() + "/private/app:1.0";

    // As `docker login` writes it: "auth" is base64 of user:password, the key a URL.
    Path config = Files.writeString(tmp.resolve("config.json"), "{\"auths\":{\"http://"
        + registry.host() + "/v2/\":{\"auth\":\"" + basic.substring("Basic ".length()) + "\"}}}");
    Image image = store(RegistryCredentials.fromDockerConfig(config)).ensure(ref);
    assertThat(image.manifestDigest()).isEqualTo(digest);
    assertThat(Files.readString(image.layers().get(1).resolve("etc/version"))).isEqualTo("1.0");

    Path empty = Files.writeString(tmp.resolve("empty.json"), "{\"auths\":{}}");
    assertThatThrownBy(() -> new ImageStore(tmp.resolve("store2"), new RegistryClient(
        RegistryCredentials.fromDockerConfig(empty), Set.of(registry.host()), FAST, 3)).ensure(ref))
        .hasMessageContaining("unauthorized")
        .hasMessageContaining("requires a user name and password and none is configured for it in "
            + empty)
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
    RegistryCredentials wrong = RegistryCredentials.of(Map.of(registry.host(),
        new RegistryCredentials.Credential("carol", "wrong")));
    assertThatThrownBy(() -> new ImageStore(tmp.resolve("store3"), new RegistryClient(wrong,
        Set.of(registry.host()), FAST, 3)).ensure(ref))
        .hasMessageContaining("unauthorized").hasMessageContaining("access denied as user 'carol'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
  }

  @Test
  void basicAuthWithCredentialsFromAnImagePullSecret() throws Exception {
    registry = LocalRegistry.startWithBasicAuth(tmp.resolve("registry"), "dave", "s3cr3t!");
    Path layout = tmp.resolve("layout");
    app("2.0").writeLayout(layout);
    String digest = new RegistryPush(registry.base(), "private/app", FakeRegistry.basic("dave", "s3cr3t!"))
        .push(layout, "2.0", "2.0");
    String ref = registry.host() + "/private/app:2.0";
    // The document as `gantry secret put` stores it and the scheduler hands it to the agent.
    byte[] secretData = ("{\"auths\": {\"" + registry.host() + "\": {\"username\": \"dave\","
        + " \"password\": \"s3cr3t!\"}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    RegistryCredentials regcred = RegistryCredentials.fromSecret("regcred", secretData);

    // The agent itself has no credentials: without the secret the registry refuses.
    ImageStore store = store(RegistryCredentials.none());
    assertThatThrownBy(() -> store.ensure(ref, PullPolicy.ALWAYS, null, p -> { }))
        .hasMessageContaining("unauthorized")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);

    Image image = store.ensure(ref, PullPolicy.ALWAYS, regcred, p -> { });
    assertThat(image.manifestDigest()).isEqualTo(digest);
    assertThat(Files.readString(image.layers().get(1).resolve("etc/version"))).isEqualTo("2.0");

    // The secret's access is not remembered for pulls without it, and a wrong secret is refused.
    assertThatThrownBy(() -> store.ensure(ref, PullPolicy.ALWAYS, null, p -> { }))
        .hasMessageContaining("unauthorized");
    RegistryCredentials wrong = RegistryCredentials.fromSecret("regcred", ("{\"auths\": {\"" + registry.host()
        + "\": {\"username\": \"dave\", \"password\": \"old\"}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThatThrownBy(() -> store.ensure(ref, PullPolicy.ALWAYS, wrong, p -> { }))
        .hasMessageContaining("unauthorized").hasMessageContaining("access denied as user 'dave'")
        .extracting(e -> ((ImageException) e).reason()).isEqualTo(ImageException.Reason.UNAUTHORIZED);
  }
}
