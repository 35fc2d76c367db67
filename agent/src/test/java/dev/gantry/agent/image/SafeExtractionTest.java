package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.agent.sys.LinuxFiles;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malicious-layer corpus. Each layer aims at {@code outside}, a directory next to the store whose
 * absolute path the attacks use; after every test {@code outside} must be byte-for-byte unchanged,
 * and the layer must either be rejected (leaving no layer) or land entirely inside its root.
 */
class SafeExtractionTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  @TempDir Path tmp;
  private Path outside;
  private String out; // absolute path of outside, without the leading "/"
  private Map<String, String> before;

  @BeforeEach
  void sentinel() throws Exception {
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("passwd"), "sentinel");
    Files.createDirectories(outside.resolve("sub"));
    out = outside.toString().substring(1);
    before = snapshot(outside);
  }

  @AfterEach
  void outsideIsUntouched() throws Exception {
    assertThat(snapshot(outside)).isEqualTo(before);
    assertThat(Files.getAttribute(outside.resolve("passwd"), "unix:nlink")).isEqualTo(1);
  }

  private int images;

  private Image load(LayerTar layer) throws Exception {
    Path layout = tmp.resolve("layout" + images++);
    new OciImageWriter().layer(layer).writeLayout(layout);
    return new ImageStore(tmp.resolve("store")).ensure(layout.toString());
  }

  private Path loadLayer(LayerTar layer) throws Exception {
    return load(layer).layers().get(0);
  }

  private void assertRejected(LayerTar layer, String message) throws Exception {
    Path layers = tmp.resolve("store/layers");
    java.util.List<Path> existing = Files.exists(layers) ? list(layers) : java.util.List.of();
    assertThatThrownBy(() -> load(layer)).isInstanceOf(ImageException.class)
        .hasMessageContaining(message);
    assertThat(list(layers)).isEqualTo(existing); // no new layer, no temp dir left
  }

  private static java.util.List<Path> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void dotDotEscapeIsRejected() throws Exception {
    assertRejected(new LayerTar().file("../../../../../../../" + out + "/pwned", 0644, "x"),
        "escapes the layer root");
    assertRejected(new LayerTar().file("a/../../" + out + "/pwned", 0644, "x"), "escapes");
  }

  @Test
  void absolutePathLandsInsideRoot() throws Exception {
    Path root = loadLayer(new LayerTar().file("/" + out + "/passwd", 0644, "inside"));
    assertThat(root.resolve(out + "/passwd")).hasContent("inside");
  }

  @Test
  void writeThroughAbsoluteSymlinkLandsInsideRoot() throws Exception {
    Path root = loadLayer(new LayerTar().directory(out, 0755)
        .symlink("link", "/" + out).file("link/pwned", 0644, "x"));
    assertThat(root.resolve(out + "/pwned")).hasContent("x");
    assertThat(Files.readSymbolicLink(root.resolve("link")).toString()).isEqualTo("/" + out);
  }

  @Test
  void writeThroughDanglingSymlinkIsRejected() throws Exception {
    assertRejected(new LayerTar().symlink("link", "/" + out).file("link/pwned", 0644, "x"),
        "does not resolve to a directory inside the layer");
  }

  @Test
  void relativeSymlinkClimbingOutStaysInsideRoot() throws Exception {
    Path root = loadLayer(new LayerTar().directory("a/b", 0755)
        .symlink("a/b/up", "../../../../../../../../..")
        .file("a/b/up/escaped", 0644, "x"));
    assertThat(root.resolve("escaped")).hasContent("x"); // ".." stops at the layer root
    assertRejected(new LayerTar().symlink("up", "../../../../../../" + out)
        .file("up/pwned", 0644, "x"), "does not resolve");
  }

  @Test
  void symlinkedParentDirectoryResolvesInsideRoot() throws Exception {
    Path root = loadLayer(new LayerTar().directory(out, 0755)
        .symlink("etc2", "/" + out).file("etc2/passwd", 0644, "inside"));
    assertThat(root.resolve(out + "/passwd")).hasContent("inside");
  }

  @Test
  void hardLinkToFileOutsideIsRejected() throws Exception {
    assertRejected(new LayerTar().hardLink("h", "/" + out + "/passwd"), "not an earlier entry");
    assertRejected(new LayerTar().hardLink("h", "../../../../../" + out + "/passwd"), "escapes");
    assertRejected(new LayerTar().symlink("s", "/" + out).hardLink("h", "s/passwd"),
        "not an earlier entry");
  }

  @Test
  void hardLinkThroughSymlinkResolvesInsideRoot() throws Exception {
    Path root = loadLayer(new LayerTar().directory(out, 0755).file(out + "/passwd", 0644, "in")
        .symlink("s", "/" + out).hardLink("h", "s/passwd").hardLink("h2", "/" + out + "/passwd"));
    Object inode = Files.getAttribute(root.resolve(out + "/passwd"), "unix:ino");
    assertThat(Files.getAttribute(root.resolve("h"), "unix:ino")).isEqualTo(inode);
    assertThat(Files.getAttribute(root.resolve("h2"), "unix:ino")).isEqualTo(inode);
  }

  @Test
  void whiteoutThroughSymlinkNeverTouchesOutside() throws Exception {
    assertRejected(new LayerTar().symlink("w", "/" + out).whiteout("w/passwd"), "does not resolve");
    Path root = loadLayer(new LayerTar().directory(out, 0755).symlink("w", "/" + out)
        .whiteout("w/passwd").opaque("w/sub"));
    assertThat(isWhiteout(root.resolve(out + "/passwd"))).isTrue();
    assertThat(opaque(root.resolve(out + "/sub"))).isEqualTo("y");
  }

  @Test
  void deviceNodesAreSkipped() throws Exception {
    Path root = loadLayer(new LayerTar().directory("dev", 0755).charDevice("dev/mem", 1, 1)
        .blockDevice("dev/sda", 8, 0).charDevice("dev/wh", 0, 0).file("ok", 0644, "ok"));
    assertThat(root.resolve("dev/mem")).doesNotExist();
    assertThat(root.resolve("dev/sda")).doesNotExist();
    assertThat(root.resolve("dev/wh")).doesNotExist();
    assertThat(root.resolve("ok")).hasContent("ok");
  }

  @Test
  void entryReplacingSymlinkReplacesTheLinkItself() throws Exception {
    Path root = loadLayer(new LayerTar()
        .symlink("f", "/" + outside + "/passwd").symlink("f2", outside + "/passwd")
        .file("f", 0644, "new").file("f2", 0644, "new2")
        .symlink("d", outside.toString()).directory("d", 0755).file("d/x", 0644, "x")
        .symlink("s", outside.toString()).symlink("s", "/elsewhere"));
    assertThat(Files.isSymbolicLink(root.resolve("f"))).isFalse();
    assertThat(root.resolve("f")).hasContent("new");
    assertThat(root.resolve("f2")).hasContent("new2");
    assertThat(Files.isDirectory(root.resolve("d"), NOFOLLOW)).isTrue();
    assertThat(root.resolve("d/x")).hasContent("x");
    assertThat(Files.readSymbolicLink(root.resolve("s")).toString()).isEqualTo("/elsewhere");
  }

  @Test
  void symlinkLoopsAndFilesAsParentsAreRejected() throws Exception {
    assertRejected(new LayerTar().symlink("l1", "l2").symlink("l2", "l1").file("l1/x", 0644, "x"),
        "not a directory inside the layer");
    assertRejected(new LayerTar().file("f", 0644, "x").file("f/x", 0644, "x"), "not a directory");
    assertRejected(new LayerTar().file("d/x", 0644, "x").file("d", 0644, "x"), "non-empty directory");
    assertRejected(new LayerTar().symlink("p", "/proc/self/root").file("p/x", 0644, "x"),
        "does not resolve");
  }

  @Test
  void whiteoutsBecomeOverlayWhiteouts() throws Exception {
    Path root = loadLayer(new LayerTar().directory("etc", 0755).whiteout("etc/gone")
        .whiteout("missingparent/gone2").opaque("var/cache"));
    assertThat(isWhiteout(root.resolve("etc/gone"))).isTrue();
    assertThat(isWhiteout(root.resolve("missingparent/gone2"))).isTrue();
    assertThat(opaque(root.resolve("var/cache"))).isEqualTo("y");
    assertThat(opaque(root.resolve("etc"))).isNull();
    assertThat(root.resolve("etc/.wh.gone")).doesNotExist();
    assertRejected(new LayerTar().file(".wh..", 0644, ""), "invalid whiteout");
  }

  @Test
  void preservesModesOwnersSymlinkTargetsAndTimes() throws Exception {
    Path root = loadLayer(new LayerTar().directory("bin", 0755).owner(1000, 2000)
        .file("bin/busybox", 04755, "bb").directory("tmp", 01777).fifo("fifo", 0640)
        .owner(0, 0).symlink("bin/sh", "/bin/busybox").file("a", 0600, "a").hardLink("b", "a")
        .directory("./", 0751));
    Path busybox = root.resolve("bin/busybox");
    assertThat(mode(busybox)).isEqualTo(04755);
    assertThat(Files.getAttribute(busybox, "unix:uid")).isEqualTo(1000);
    assertThat(Files.getAttribute(busybox, "unix:gid")).isEqualTo(2000);
    assertThat(Files.getLastModifiedTime(busybox).toMillis()).isEqualTo(1_700_000_000_000L);
    assertThat(Files.getLastModifiedTime(root.resolve("bin")).toMillis()).isEqualTo(1_700_000_000_000L);
    assertThat(mode(root.resolve("tmp"))).isEqualTo(01777);
    assertThat((Integer) Files.getAttribute(root.resolve("fifo"), "unix:mode", NOFOLLOW)
        & LinuxFiles.S_IFMT).isEqualTo(LinuxFiles.S_IFIFO);
    assertThat(mode(root.resolve("fifo"))).isEqualTo(0640);
    assertThat(Files.readSymbolicLink(root.resolve("bin/sh")).toString()).isEqualTo("/bin/busybox");
    assertThat(Files.getAttribute(root.resolve("b"), "unix:nlink")).isEqualTo(2);
    assertThat(mode(root)).isEqualTo(0751);
  }

  @Test
  void copiesAHostDirectory() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/bin"));
    Files.writeString(src.resolve("tool"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(src.resolve("tool"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(src.resolve("alias"), Path.of("/bin/tool"));
    Path root = loadLayer(LayerTar.fromDirectory(tmp.resolve("src")));
    assertThat(root.resolve("bin/tool")).hasContent("#!/bin/sh\n");
    assertThat(mode(root.resolve("bin/tool"))).isEqualTo(0750);
    assertThat(Files.readSymbolicLink(root.resolve("bin/alias")).toString()).isEqualTo("/bin/tool");
  }

  private static int mode(Path p) throws Exception {
    return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW) & 07777;
  }

  private static boolean isWhiteout(Path p) throws Exception {
    int mode = (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
    return (mode & LinuxFiles.S_IFMT) == LinuxFiles.S_IFCHR
        && (Long) Files.getAttribute(p, "unix:rdev", NOFOLLOW) == 0L;
  }

  private static String opaque(Path dir) throws Exception {
    int fd = LinuxFiles.openat(LinuxFiles.AT_FDCWD, dir.toString(),
        LinuxFiles.O_RDONLY | LinuxFiles.O_DIRECTORY | LinuxFiles.O_NOFOLLOW, 0);
    try {
      return LinuxFiles.fgetxattr(fd, "trusted.overlay.opaque");
    } finally {
      LinuxFiles.close(fd);
    }
  }

  /** Every path under dir with its type and content (symlink target for links). */
  private static Map<String, String> snapshot(Path dir) throws Exception {
    Map<String, String> state = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        String value;
        if (Files.isSymbolicLink(p)) {
          value = "link:" + Files.readSymbolicLink(p);
        } else if (Files.isDirectory(p, NOFOLLOW)) {
          value = "dir:" + mode(p);
        } else {
          value = "file:" + mode(p) + ":" + Files.readString(p);
        }
        state.put(dir.relativize(p).toString(), value);
      }
    }
    return state;
  }
}
