package dev.gantry.testing;

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
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;

/**
 * A real etcd for integration tests: a private {@code etcd} process on free loopback ports with
 * its data in a temporary directory, or, when {@value #ENDPOINTS_ENV} is set, an external etcd
 * that other tests may share (tests then keep to their own keys, see {@link #uniquePrefix()}).
 *
 * <p>Self-contained on purpose (only the JDK and JUnit's assumptions), so that other modules'
 * tests can reuse it. Closing stops the private process (SIGTERM, then SIGKILL) and deletes its
 * directory; closing an external server does nothing.
 *
 * <p>{@link #startSecureForTest} starts a private etcd that speaks TLS only on its client URL and
 * requires client certificates ({@code --client-cert-auth}), with certificates the test made.
 */
public final class EtcdServer implements AutoCloseable {
    /** Comma-separated client URLs of an etcd to use instead of starting one. */
    public static final String ENDPOINTS_ENV = "GANTRY_ETCD_ENDPOINTS";
    /** Path of the etcd binary, if it is neither on the PATH nor in /usr/bin. */
    public static final String BINARY_ENV = "GANTRY_ETCD_BINARY";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;

    /**
     * What a TLS etcd serves with: its certificate (which must name 127.0.0.1 as an IP SAN) and
     * key as PEM files, the PEM file of the CA(s) whose client certificates it accepts, and a
     * client context (trusting etcd's certificate, presenting an accepted client certificate)
     * with which this helper asks etcd's {@code /health} whether it is up.
     */
    public record Tls(Path certFile, Path keyFile, Path clientCaFile, SSLContext healthClient) {
    }

    private final List<String> endpoints;
    private final Process process;
    private final Path dataDir;
    private final Thread shutdownHook;
    private final SSLContext healthClient;

    private EtcdServer(List<String> endpoints, Process process, Path dataDir) {
        this(endpoints, process, dataDir, null);
    }

    private EtcdServer(List<String> endpoints, Process process, Path dataDir, SSLContext healthClient) {
        this.healthClient = healthClient;
        this.endpoints = endpoints;
        this.process = process;
        this.dataDir = dataDir;
        this.shutdownHook = process == null ? null : new Thread(this::stop, "etcd-server-cleanup");
        if (shutdownHook != null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    /**
     * An etcd for the calling test, under DESIGN §7's rule for missing dependencies: without an
     * etcd binary or {@value #ENDPOINTS_ENV}, the test fails when {@code CI=true}, and is skipped
     * (a JUnit assumption naming what is missing) otherwise.
     */
    public static EtcdServer startForTest() {
        String external = System.getenv(ENDPOINTS_ENV);
        if (external != null && !external.isBlank()) {
            return external(external);
        }
        return startPrivateForTest();
    }

    /**
     * Like {@link #startForTest()}, but always a private process, even when {@value #ENDPOINTS_ENV} is
     * set: for tests that stop or pause their etcd ({@link #signal}), which a shared one must not be.
     */
    public static EtcdServer startPrivateForTest() {
        return start(requireBinary(), null);
    }

    /**
     * A private etcd (as {@link #startPrivateForTest()}) whose client URL is {@code https://127.0.0.1:PORT}
     * and that accepts only clients with a certificate from {@code tls}'s client CA.
     */
    public static EtcdServer startSecureForTest(Tls tls, String... extraFlags) {
        return start(requireBinary(), tls, extraFlags);
    }

    private static Path requireBinary() {
        Optional<Path> binary = findBinary();
        if (binary.isEmpty()) {
            String missing = "etcd not found: install Debian's etcd-server (/usr/bin/etcd), put etcd on the PATH, set "
                    + BINARY_ENV + ", or point " + ENDPOINTS_ENV + " at a running etcd";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(missing + " (CI=true: a test whose real dependency is missing fails)");
            }
            Assumptions.abort(missing);
        }
        return binary.get();
    }

    /** Uses the etcd at these comma-separated client URLs; {@link #close()} leaves it running. */
    public static EtcdServer external(String commaSeparatedEndpoints) {
        List<String> urls = Arrays.stream(commaSeparatedEndpoints.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
        return new EtcdServer(urls, null, null);
    }

    /** Starts a private single-member etcd; throws {@link IllegalStateException} if it does not come up. */
    public static EtcdServer start(Path binary) {
        return start(binary, null);
    }

    /**
     * As {@link #start(Path)}, over TLS with client certificates required when {@code tls} is given,
     * and with further etcd flags (e.g. {@code --auth-token-ttl=1}).
     */
    public static EtcdServer start(Path binary, Tls tls, String... extraFlags) {
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return startOnce(binary, tls, extraFlags);
            } catch (IllegalStateException e) {
                // Most likely another process took one of the free ports first; try new ones.
                last = e;
            }
        }
        throw last;
    }

    /** Client URLs, for {@code EtcdStore.connect}. */
    public List<String> endpoints() {
        return endpoints;
    }

    public boolean isExternal() {
        return process == null;
    }

    /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: an outage in which connections stay open but nothing answers. */
    public void signal(String signal) throws IOException, InterruptedException {
        if (process == null) throw new IllegalStateException("an external etcd cannot be paused");
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) throw new IOException("kill -" + signal + " " + process.pid() + " failed");
    }

    /** A fresh key prefix ("/gantry-test/&lt;random&gt;/"), so tests sharing an etcd never see each other's keys. */
    public static String uniquePrefix() {
        return "/gantry-test/" + UUID.randomUUID() + "/";
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs stop() again, which is harmless.
        }
    }

    private static EtcdServer startOnce(Path binary, Tls tls, String... extraFlags) {
        Path dir;
        try {
            dir = Files.createTempDirectory("gantry-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String client = (tls == null ? "http" : "https") + "://127.0.0.1:" + freePort();
        String peer = "http://127.0.0.1:" + freePort();
        Path log = dir.resolve("etcd.log");
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString(),
                    "--name", "default",
                    "--data-dir", dir.resolve("data").toString(),
                    "--listen-client-urls", client,
                    "--advertise-client-urls", client,
                    "--listen-peer-urls", peer,
                    "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "default=" + peer,
                    "--initial-cluster-state", "new",
                    "--initial-cluster-token", "gantry-test-" + UUID.randomUUID()));
        if (tls != null) {
            command.addAll(List.of("--client-cert-auth", "--trusted-ca-file", tls.clientCaFile().toString(),
                    "--cert-file", tls.certFile().toString(), "--key-file", tls.keyFile().toString()));
        }
        command.addAll(List.of(extraFlags));
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            deleteRecursively(dir);
            throw new UncheckedIOException("cannot run " + binary, e);
        }
        EtcdServer server = new EtcdServer(List.of(client), process, dir, tls == null ? null : tls.healthClient());
        try {
            server.awaitHealthy(log);
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void awaitHealthy(Path log) {
        HttpClient.Builder httpBuilder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
        if (healthClient != null) httpBuilder.sslContext(healthClient);
        HttpClient http = httpBuilder.build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(endpoints.get(0) + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + ":\n" + tail(log));
            }
            try {
                HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd", e);
            }
            sleep(Duration.ofMillis(50));
        }
        throw new IllegalStateException("etcd did not become healthy within " + STARTUP_TIMEOUT + ":\n" + tail(log));
    }

    private synchronized void stop() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        deleteRecursively(dataDir);
    }

    private static Optional<Path> findBinary() {
        String configured = System.getenv(BINARY_ENV);
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.concat(Arrays.stream(path.split(":")).filter(s -> !s.isEmpty()), Stream.of("/usr/bin", "/usr/local/bin"))
                .map(dir -> Path.of(dir, "etcd"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
