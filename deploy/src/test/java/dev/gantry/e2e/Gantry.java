package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;


/**
 * Drives the built distribution's {@code bin/gantry} as a user would: client verbs as
 * short processes, daemons as background processes with their output in a log file.
 */
final class Gantry {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The distribution under test: {@code -Dgantry.home}, set by the deploy module's failsafe configuration. */
    static Path home() {
        String home = System.getProperty("gantry.home");
        if (home == null) throw new IllegalStateException("gantry.home is not set: run through `mvn verify`");
        Path bin = Path.of(home, "bin", "gantry");
        if (!Files.isExecutable(bin)) throw new IllegalStateException(bin + " is missing: the distribution was not built");
        return bin;
    }

    record Result(int exitCode, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + stdout + "\nstderr: " + stderr, e);
            }
        }
    }

    /**
     * The CLI config of processes that talk to no `gantry dev` of this JVM: none (the file does not
     * exist), so no process ever reads or writes the user's own config.
     */
    static final Path NO_CLI_CONFIG = Path.of(System.getProperty("java.io.tmpdir"), "gantry-e2e-" + ProcessHandle.current().pid(), "config.yaml");
    /** The CLI config each `gantry dev` this JVM started writes, by its local address ("127.0.0.1:PORT"). */
    private static final java.util.Map<String, Path> DEV_CONFIGS = new java.util.concurrent.ConcurrentHashMap<>();

    /** A secured cluster's credentials for the CLI: the CA file and a management token. */
    record Credentials(Path ca, String token, String joinToken) {
    }

    /** Test directory of the schedulers started on each local port ("127.0.0.1:PORT"). */
    private static final java.util.Map<String, Path> SCHEDULER_DIRS = new java.util.concurrent.ConcurrentHashMap<>();
    /** Bootstrapped credentials by test directory. */
    private static final java.util.Map<Path, Credentials> CREDENTIALS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The credentials of the cluster whose schedulers this JVM started at (any of) {@code addresses}:
     * on first use, ACLs are bootstrapped (`gantry acl bootstrap`, the real verb) and an agent join
     * token created, with the CA certificate the schedulers wrote. Null when no scheduler this JVM
     * started is among them (a `gantry dev` cluster: its CLI config serves).
     */
    static synchronized Credentials credentials(String addresses) {
        if (addresses == null) return null;
        Path dir = null;
        String first = null;
        for (String a : addresses.split(",")) {
            dir = SCHEDULER_DIRS.get(a.trim());
            if (dir != null) {
                first = a.trim();
                break;
            }
        }
        if (dir == null) return null;
        Credentials known = CREDENTIALS.get(dir);
        if (known != null) return known;
        Path ca = awaitCa(dir);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
        Result boot;
        while (true) {
            boot = exec(first, java.util.Map.of("GANTRY_CA_CERT", ca.toString()), "acl", "bootstrap");
            if (boot.exitCode() == 0 || boot.exitCode() != 4 || System.nanoTime() > deadline) break;
            sleep(500);
        }
        if (boot.exitCode() != 0) throw new AssertionError("acl bootstrap failed: " + boot.stderr());
        String token = boot.stdout().trim();
        Result join = exec(first, java.util.Map.of("GANTRY_CA_CERT", ca.toString(), "GANTRY_TOKEN", token),
                "token", "create", "--ttl", "0", "--description", "e2e agents");
        if (join.exitCode() != 0) throw new AssertionError("token create failed: " + join.stderr());
        Credentials c = new Credentials(ca, token, join.stdout().trim());
        CREDENTIALS.put(dir, c);
        return c;
    }

    /**
     * A gRPC channel to the cluster at {@code address} as the CLI makes it: TLS trusting the cluster CA,
     * with the management token of {@link #credentials}.
     */
    static io.grpc.ManagedChannel channel(String address) {
        Credentials c = credentials(address);
        if (c == null) throw new IllegalStateException("no scheduler started by this test at " + address);
        try {
            var ca = dev.gantry.api.security.Pem.readCertificates(c.ca()).get(0);
            return dev.gantry.api.transport.Transport.mutualTls(dev.gantry.api.transport.TlsMaterial.trustOnly(ca))
                    .withBearerToken(c.token()).channel(address.split(",")[0].trim()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A join token for agents of the cluster at {@code addresses} (see {@link #credentials}). */
    static String joinToken(String addresses) {
        Credentials c = credentials(addresses);
        if (c == null) throw new IllegalStateException("no scheduler started by this test at " + addresses);
        return c.joinToken();
    }

    private static Path awaitCa(Path dir) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try (var files = Files.list(dir)) {
                var ca = files.filter(p -> p.getFileName().toString().startsWith("scheduler-data"))
                        .map(p -> p.resolve("ca.crt")).filter(Files::exists).findFirst();
                if (ca.isPresent()) return ca.get();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            sleep(200);
        }
        throw new AssertionError("no scheduler in " + dir + " wrote ca.crt within 90 s");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs one client verb against {@code address} and waits for it (at most 2 minutes). */
    static Result run(String address, String... args) {
        Credentials c = credentials(address);
        return exec(address, c == null ? java.util.Map.of()
                : java.util.Map.of("GANTRY_CA_CERT", c.ca().toString(), "GANTRY_TOKEN", c.token()), args);
    }

    /** Runs one client verb with no credentials but {@code env}'s. */
    static Result exec(String address, java.util.Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(home().toString()));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("gantry-out", ".txt");
            Path err = Files.createTempFile("gantry-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("GANTRY_CONFIG", (address == null ? NO_CLI_CONFIG
                    : DEV_CONFIGS.getOrDefault(address.split(",")[0].trim(), NO_CLI_CONFIG)).toString());
            pb.environment().remove("GANTRY_TOKEN");
            pb.environment().remove("GANTRY_CA_CERT");
            pb.environment().putAll(env);
            if (address != null) pb.environment().put("GANTRY_ADDR", address);
            Process p = pb.start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("gantry " + String.join(" ", args) + " did not finish in 2 minutes");
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * A background daemon (`gantry dev|scheduler|agent ...`), output in {@code log}. Clusters are secure
     * as in production: a scheduler gets a data directory beside its log and the test directory's
     * shared cluster key; an agent gets the cluster's join token (see {@link #credentials}).
     */
    static Process start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(home().toString()));
        cmd.addAll(List.of(args));
        Path dir = log.toAbsolutePath().getParent();
        if (args.length > 0 && args[0].equals("scheduler") && !cmd.contains("--data-dir")) {
            String name = log.getFileName().toString().replace(".log", "");
            cmd.addAll(List.of("--data-dir", dir.resolve("scheduler-data-" + name).toString(),
                    "--cluster-key", dir.resolve("cluster.key").toString(), "--node-cert-lifetime", "24h"));
            int port = cmd.indexOf("--port");
            if (port > 0) SCHEDULER_DIRS.put("127.0.0.1:" + cmd.get(port + 1), dir);
        }
        if (args.length > 0 && args[0].equals("agent") && !cmd.contains("--join")) {
            int s = cmd.indexOf("--scheduler");
            if (s > 0 && credentials(cmd.get(s + 1)) != null) cmd.addAll(List.of("--join", joinToken(cmd.get(s + 1))));
        }
        Path config = NO_CLI_CONFIG;
        if (args.length > 0 && args[0].equals("dev")) {
            config = dir.resolve("cli-config-" + log.getFileName().toString().replace(".log", "") + ".yaml");
            int port = cmd.indexOf("--port");
            DEV_CONFIGS.put("127.0.0.1:" + (port > 0 ? cmd.get(port + 1) : "7420"), config);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("GANTRY_CONFIG", config.toString());
        return pb.start();
    }

    /**
     * GET /healthz on a scheduler's HTTPS port as a load balancer would: TLS, no credentials, the
     * certificate not checked (a probe). Returns "CODE BODY".
     */
    static String healthz(int httpPort, int readTimeoutMillis) throws IOException {
        try {
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            tls.init(null, new javax.net.ssl.TrustManager[]{new javax.net.ssl.X509TrustManager() {
                public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {
                }

                public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
                }

                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            var c = (javax.net.ssl.HttpsURLConnection) java.net.URI.create("https://127.0.0.1:" + httpPort + "/healthz").toURL().openConnection();
            c.setSSLSocketFactory(tls.getSocketFactory());
            c.setHostnameVerifier((h, s) -> true);
            c.setConnectTimeout(1000);
            c.setReadTimeout(readTimeoutMillis);
            try {
                int code = c.getResponseCode();
                var in = code < 400 ? c.getInputStream() : c.getErrorStream();
                return code + " " + new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            } finally {
                c.disconnect();
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Stops a daemon: SIGTERM, then SIGKILL after {@code grace}. */
    static void stop(Process p, Duration grace) throws InterruptedException {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * A range of {@code size} ports for an agent's dynamic allocation, outside this machine's ephemeral
     * range (Linux's default is 32768-60999), where {@link #freePort} (port 0) and every client socket
     * take theirs: a scheduler or etcd on a port inside an agent's range would make a replica fail to bind.
     */
    static String portRange(int size) {
        int low = portBlock(size);
        return low + "-" + (low + size - 1);
    }

    /** The first port of a random block of {@code size} ports outside this machine's ephemeral range. */
    static int portBlock(int size) {
        return portBlock(size, ephemeralRange(), java.util.concurrent.ThreadLocalRandom.current());
    }

    /**
     * The pure part of {@link #portBlock(int)}: a block in [20000, ephemeral low) or (ephemeral high, 65535],
     * picked uniformly; below 20000 (down to 1024) only when neither has room.
     */
    static int portBlock(int size, int[] ephemeral, java.util.Random random) {
        for (int floor : new int[]{20000, 1024}) {
            int below = Math.max(0, ephemeral[0] - floor - size + 1);            // starts floor .. ephemeral[0]-size
            int above = Math.max(0, 65535 - Math.max(ephemeral[1], floor - 1) - size + 1);   // starts high+1 .. 65536-size
            if (below + above == 0) continue;
            int r = random.nextInt(below + above);
            return r < below ? floor + r : Math.max(ephemeral[1], floor - 1) + 1 + (r - below);
        }
        throw new IllegalStateException("no block of " + size + " ports outside the ephemeral range "
                + ephemeral[0] + "-" + ephemeral[1]);
    }

    /** {@code net.ipv4.ip_local_port_range}; Linux's default when it cannot be read. */
    static int[] ephemeralRange() {
        try {
            String[] f = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            int low = Integer.parseInt(f[0]);
            int high = Integer.parseInt(f[1]);
            if (low > 0 && low <= high && high <= 65535) return new int[]{low, high};
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: the default
        }
        return new int[]{32768, 60999};
    }

    static String logOf(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(unreadable log: " + e + ")";
        }
    }
}
