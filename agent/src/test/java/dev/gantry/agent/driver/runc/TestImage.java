package dev.gantry.agent.driver.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A two-layer busybox image for the integration tests: busybox + applet links, then /etc and /www. */
final class TestImage {
    static final List<String> APPLETS = List.of("sh", "echo", "sleep", "cat", "grep", "httpd", "wc", "head", "tail",
            "dd", "id", "true", "unshare", "ls", "touch");

    private TestImage() {
    }

    /** Returns the layers, lowest first. */
    static List<Path> build(Path dir) throws IOException {
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
        return List.of(base, top);
    }
}
