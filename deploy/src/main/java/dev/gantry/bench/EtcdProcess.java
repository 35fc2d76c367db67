package dev.gantry.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private single-member etcd for a benchmark: {@code /usr/bin/etcd} (or {@code $GANTRY_ETCD_BINARY})
 * on free loopback ports, data in a fresh temporary directory, default limits (2 GiB quota,
 * 128 operations per transaction, 1.5 MiB per request). The same start-up as the tests'
 * {@code EtcdServer}, kept here because test jars are not part of the distribution.
 * Closing stops it and deletes its data.
 */
final class EtcdProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final String clientUrl;

    private EtcdProcess(Process process, Path dir, String clientUrl) {
        this.process = process;
        this.dir = dir;
        this.clientUrl = clientUrl;
    }

    static EtcdProcess start() throws IOException, InterruptedException {
        String binary = System.getenv().getOrDefault("GANTRY_ETCD_BINARY", "/usr/bin/etcd");
        if (!Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("etcd not found at " + binary + ": apt-get install etcd-server, or set GANTRY_ETCD_BINARY");
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path dir = Files.createTempDirectory("gantry-bench-etcd-");
            String client = "http://127.0.0.1:" + freePort();
            String peer = "http://127.0.0.1:" + freePort();
            Process p = new ProcessBuilder(binary, "--name", "bench", "--data-dir", dir.resolve("data").toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "bench=" + peer, "--initial-cluster-state", "new",
                    "--initial-cluster-token", "bench-" + UUID.randomUUID())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
            EtcdProcess etcd = new EtcdProcess(p, dir, client);
            try {
                etcd.awaitHealthy();
                return etcd;
            } catch (IllegalStateException e) {
                last = e;
                etcd.close();
            }
        }
        throw last;
    }

    List<String> endpoints() {
        return List.of(clientUrl);
    }

    long pid() {
        return process.pid();
    }

    private void awaitHealthy() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(clientUrl + "/health")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("etcd exited with " + process.exitValue());
            try {
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"health\":\"true\"")) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("etcd did not become healthy within 30s");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
