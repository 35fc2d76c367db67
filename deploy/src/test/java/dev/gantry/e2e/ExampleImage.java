package dev.gantry.e2e;

import dev.gantry.agent.image.LayerTar;
import dev.gantry.agent.image.OciImageWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The example web image, built here the way the quick start builds it: busybox httpd serving
 * one page that names the replica, on the port Gantry allocated.
 */
final class ExampleImage {
    static final String SERVE = """
            #!/bin/sh
            mkdir -p /tmp/www
            echo "hello from replica ${GANTRY_ALLOC_INDEX} of ${GANTRY_JOB}" > /tmp/www/index.html
            echo "serving on port ${GANTRY_PORT_HTTP}"
            httpd -f -p "${GANTRY_PORT_HTTP}" -h /tmp/www &
            trap 'kill $!; exit 0' TERM INT
            wait
            """;

    private ExampleImage() {
    }

    static Path build(Path dir) throws IOException {
        return build(dir, SERVE, "web.tar");
    }

    /** The same image with another start script, written to {@code dir/fileName}. */
    static Path build(Path dir, String script, String fileName) throws IOException {
        Path tar = dir.resolve(fileName);
        image(script).writeLayoutTar(tar);
        return tar;
    }

    /** The example image as an OCI layout directory (image name {@code example/web:1}), to push to a registry. */
    static OciImageWriter.WrittenImage layout(Path dir) throws IOException {
        return image(SERVE).writeLayout(dir);
    }

    private static OciImageWriter image(String script) throws IOException {
        LayerTar layer = new LayerTar()
                .directory("bin", 0755).directory("tmp", 01777).directory("etc", 0755)
                .file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")))
                .file("bin/serve", 0755, script)
                .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n");
        for (String applet : new String[]{"sh", "httpd", "mkdir", "echo", "kill", "sleep", "cat", "rm", "test", "["}) {
            layer.symlink("bin/" + applet, "busybox");
        }
        return new OciImageWriter().layer(layer).entrypoint("/bin/serve").refName("example/web:1");
    }

    static String job(Path image, String name, int count) {
        return """
                name: %s
                count: %d
                restart: {policy: on-failure, attempts: 2, interval: 1m, delay: 1s}
                tasks:
                  - name: web
                    image: file:%s
                    resources: {cpu: 50m, memory: 32Mi}
                    ports: [{name: http}]
                    stop_grace: 3s
                """.formatted(name, count, image);
    }
}
