package dev.gantry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageStore;
import dev.gantry.agent.image.LayerTar;
import dev.gantry.agent.image.OciImageWriter;
import dev.gantry.agent.image.PullPolicy;
import dev.gantry.agent.image.RegistryClient;
import dev.gantry.agent.image.RegistryCredentials;
import dev.gantry.agent.sys.FileTrees;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Issue "Images from registries": Gantry's pull-and-unpack time next to {@code docker pull} of the
 * same image from the same local registry, on an empty store each time.
 * <ol>
 *   <li>Starts Debian's {@code docker-registry} on a free 127.0.0.1 port (Docker treats 127.0.0.0/8
 *       as insecure, so it pulls over plain HTTP as Gantry does with {@code --insecure-registry}).</li>
 *   <li>Builds an image of {@code layers} gzip layers of {@code layerMB} random (incompressible)
 *       bytes each, and pushes it.</li>
 *   <li>Each round, in alternating order: Gantry's image store on a fresh directory pulls,
 *       verifies and unpacks it; {@code docker rmi}, then {@code docker pull}, timed as a
 *       process. The Gantry store is on the same filesystem as Docker's root (/var/lib).</li>
 * </ol>
 * Needs root, docker-registry and a running Docker Engine. Usage:
 * {@code PullBenchmark [layers=5] [layerMB=12] [rounds=5]}.
 */
public final class PullBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int layerCount = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int layerMb = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path work = Files.createDirectories(Path.of("/var/lib/gantry-bench"));
        Path dir = Files.createTempDirectory(work, "pull-");
        Process registry = null;
        try {
            int port = freePort();
            String host = "127.0.0.1:" + port;
            registry = startRegistry(dir.resolve("registry"), port);

            Path layout = dir.resolve("layout");
            OciImageWriter image = new OciImageWriter().gzip(true).entrypoint("/bin/true").refName("1");
            Random random = new Random(42);
            long rawBytes = 0;
            for (int i = 0; i < layerCount; i++) {
                byte[] data = new byte[layerMb << 20];
                random.nextBytes(data);
                rawBytes += data.length;
                image.layer(new LayerTar().directory("data", 0755).file("data/layer-" + i + ".bin", 0644, data));
            }
            OciImageWriter.WrittenImage written = image.writeLayout(layout);
            long pushed = new Upload(URI.create("http://" + host), "bench/big").push(layout, written.manifestDigest(), "1");
            String ref = host + "/bench/big:1";
            System.out.printf("image %s: %d layers, %.1f MB compressed (%.1f MB of random data), digest %s%n",
                    ref, layerCount, pushed / 1e6, rawBytes / 1e6, written.manifestDigest());

            docker("rmi", "-f", ref); // a leftover of an earlier run would make the first docker pull a no-op
            List<Double> gantry = new ArrayList<>();
            List<Double> docker = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                boolean gantryFirst = r % 2 == 0;
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == gantryFirst) {
                        gantry.add(gantryPull(dir.resolve("store-" + r), ref, host));
                    } else {
                        docker.add(dockerPull(ref));
                    }
                }
                System.out.printf("round %d: gantry %.0f ms, docker pull %.0f ms%n", r + 1,
                        gantry.get(gantry.size() - 1), docker.get(docker.size() - 1));
            }
            double g = median(gantry);
            double d = median(docker);
            System.out.printf("%nmedian of %d rounds, %.1f MB compressed in %d layers, empty store each time:%n", rounds,
                    pushed / 1e6, layerCount);
            System.out.printf("  gantry pull+verify+unpack  %7.0f ms  (%.0f MB/s)  min %.0f max %.0f%n", g, pushed / 1e3 / g,
                    Collections.min(gantry), Collections.max(gantry));
            System.out.printf("  docker pull                %7.0f ms  (%.0f MB/s)  min %.0f max %.0f%n", d, pushed / 1e3 / d,
                    Collections.min(docker), Collections.max(docker));
            System.out.printf("  gantry / docker = %.2f (target <= 1)%n", g / d);
        } finally {
            if (registry != null) {
                registry.destroy();
                registry.waitFor(10, TimeUnit.SECONDS);
            }
            FileTrees.deleteRecursively(dir);
        }
    }

    /** One pull into an empty store, as an agent does it for a task: resolve, download, verify, unpack. */
    private static double gantryPull(Path store, String ref, String host) throws Exception {
        ImageStore images = new ImageStore(store, new RegistryClient(RegistryCredentials.none(), Set.of(host)));
        long t0 = System.nanoTime();
        Image image = images.ensure(ref, PullPolicy.ALWAYS, p -> { });
        double ms = (System.nanoTime() - t0) / 1e6;
        if (image.layers().isEmpty()) throw new IllegalStateException("no layers pulled");
        FileTrees.deleteRecursively(store);
        return ms;
    }

    private static double dockerPull(String ref) throws Exception {
        docker("rmi", "-f", ref);
        long t0 = System.nanoTime();
        String out = docker("pull", "-q", ref);
        double ms = (System.nanoTime() - t0) / 1e6;
        if (!out.contains(ref)) throw new IllegalStateException("docker pull failed: " + out);
        docker("rmi", "-f", ref);
        return ms;
    }

    private static String docker(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(5, TimeUnit.MINUTES);
        return out;
    }

    private static double median(List<Double> samples) {
        List<Double> s = new ArrayList<>(samples);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static Process startRegistry(Path dir, int port) throws Exception {
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = Files.writeString(dir.resolve("registry.yml"), """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                  secret: gantry-bench
                """.formatted(storage, port));
        Process p = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IllegalStateException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return p;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new IllegalStateException("docker-registry did not start");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Pushes an image of an OCI layout: each blob by a monolithic upload, then the manifest. */
    private record Upload(URI base, String repository) {
        /** Returns the bytes of the blobs pushed. */
        long push(Path layout, String manifestDigest, String tag) throws IOException, InterruptedException {
            HttpClient http = HttpClient.newHttpClient();
            byte[] manifest = blob(layout, manifestDigest);
            JsonNode doc = JSON.readTree(manifest);
            List<String> digests = new ArrayList<>(List.of(doc.path("config").path("digest").asText()));
            doc.path("layers").forEach(l -> digests.add(l.path("digest").asText()));
            long bytes = 0;
            for (String digest : digests) {
                byte[] data = blob(layout, digest);
                bytes += data.length;
                HttpResponse<String> started = http.send(HttpRequest.newBuilder(base.resolve("/v2/" + repository + "/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                expect(202, started);
                URI upload = base.resolve(started.headers().firstValue("Location").orElseThrow());
                String sep = upload.getRawQuery() == null ? "?" : "&";
                expect(201, http.send(HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + digest))
                        .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(data))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            expect(201, http.send(HttpRequest.newBuilder(base.resolve("/v2/" + repository + "/manifests/" + tag))
                    .header("Content-Type", doc.path("mediaType").asText()).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                    .build(), HttpResponse.BodyHandlers.ofString()));
            return bytes;
        }

        private static byte[] blob(Path layout, String digest) throws IOException {
            return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
        }

        private static void expect(int status, HttpResponse<String> r) {
            if (r.statusCode() != status) {
                throw new IllegalStateException(r.request().method() + " " + r.uri() + ": HTTP " + r.statusCode() + " " + r.body());
            }
        }
    }
}
