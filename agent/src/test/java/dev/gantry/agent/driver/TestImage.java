package dev.gantry.agent.driver;

import dev.gantry.agent.image.LayerTar;
import dev.gantry.agent.image.OciImageWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The image of the driver tests, built here from busybox-static: layer 0 is busybox and its applet
 * links, layer 1 {@code /etc/passwd} (root and app:1000) and {@code /www}. One OCI archive that
 * every driver loads its own way: runc through the agent's image store, docker into the engine.
 */
public final class TestImage {
    public static final List<String> APPLETS = List.of("sh", "echo", "sleep", "cat", "grep", "httpd", "wc", "head",
            "tail", "dd", "id", "true", "unshare", "ls", "touch");

    private TestImage() {
    }

    /** Writes the archive under {@code dir} and returns its path. */
    public static Path archive(Path dir) throws IOException {
        Path base = Files.createDirectories(dir.resolve("layer0"));
        Path bin = Files.createDirectories(base.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String a : APPLETS) Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
        Files.createDirectories(base.resolve("tmp"));

        Path top = Files.createDirectories(dir.resolve("layer1"));
        Path etc = Files.createDirectories(top.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\napp:x:1000:\n");
        Files.createDirectories(top.resolve("www"));
        Files.writeString(top.resolve("www/index.html"), "hello from gantry\n");

        Path tar = dir.resolve("busybox.tar");
        new OciImageWriter().layer(LayerTar.fromDirectory(base)).layer(LayerTar.fromDirectory(top))
                .cmd("sh").refName("gantry-test/busybox:1").writeLayoutTar(tar);
        return tar;
    }
}
