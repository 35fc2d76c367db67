package dev.gantry.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One agent on its own host: a Docker container with its own address on Docker's bridge,
 * running the distribution's `gantry agent` (nested runc containers, as ENVIRONMENT.md
 * describes) from the host's /usr, /lib, /bin and /etc, read-only. The agent runs under a
 * shell loop, so killing the agent process alone restarts it (an agent restart) while
 * killing the container is the loss of the whole host.
 */
final class AgentHost {
    static final String IMAGE = "gantry-host:test";
    private static final String[] CAPS = {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_CHROOT", "MKNOD", "SETFCAP",
            "SETPCAP", "NET_RAW", "DAC_READ_SEARCH", "SYS_NICE", "IPC_LOCK", "KILL", "CHOWN", "DAC_OVERRIDE",
            "FOWNER", "FSETID", "SETUID", "SETGID", "NET_BIND_SERVICE", "AUDIT_WRITE"};   // not SYS_RESOURCE: outside the bounding set on these hosts

    /**
     * Shell that sets {@code $addr} to the host's IPv4 address on the bridge: the first of {@code hostname -i}
     * (Docker's /etc/hosts entry for the container) that is IPv4 and not loopback, else of {@code hostname -I}
     * (the interfaces' addresses). With IPv6 on in the engine, {@code hostname -i} lists an IPv6 address too, often first.
     */
    static final String ADVERTISE = "addr=; for a in $(hostname -i 2>/dev/null) $(hostname -I 2>/dev/null); do "
            + "case $a in *:*|127.*) ;; *.*.*.*) addr=$a; break ;; esac; done; ";

    final String name;
    final Path dataDir;
    private final String container;
    private final List<String> agentArgs;
    private final Path shared;

    AgentHost(String name, Path dataDir, Path shared, List<String> agentArgs) {
        this.name = name;
        this.dataDir = dataDir;
        this.shared = shared;
        this.container = HostContainers.NAME_PREFIX + name + "-" + Long.toHexString(System.nanoTime());
        this.agentArgs = agentArgs;
    }

    /** The host image: empty, since everything comes from the host's bind-mounted directories. */
    static void buildImage() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("docker", "build", "-q", "-t", IMAGE, "-").redirectErrorStream(true);
        // The classic builder, whatever the environment asks: with DOCKER_BUILDKIT=1 a docker CLI without
        // the buildx plugin (Docker's own CLI 23+, e.g. in /usr/local/bin) refuses to build at all.
        pb.environment().put("DOCKER_BUILDKIT", "0");
        Process p = pb.start();
        p.getOutputStream().write("FROM scratch\nCMD [\"/bin/true\"]\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IOException("docker build failed: " + out);
    }

    void start(Path distribution) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--name", container, "--hostname", name,
                "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined"));
        cmd.addAll(HostContainers.labelArgs());   // so that a later run can tell a leftover of a killed run
        for (String cap : CAPS) cmd.addAll(List.of("--cap-add", cap));
        List<String> readOnly = List.of("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc");
        for (String ro : readOnly) {
            if (Files.exists(Path.of(ro))) cmd.addAll(List.of("-v", ro + ":" + ro + ":ro"));
        }
        // The agent runs on this test's own Java, not whatever `java` the host's PATH finds first (it
        // may be older, or installed outside the directories above); that Java is mounted if it is outside.
        Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
        if (readOnly.stream().noneMatch(ro -> javaHome.startsWith(ro))) cmd.addAll(List.of("-v", javaHome + ":" + javaHome + ":ro"));
        cmd.addAll(List.of("-e", "JAVA=" + javaHome.resolve("bin/java")));
        cmd.addAll(List.of("-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/tmp",
                "-v", dataDir + ":/var/lib/gantry", "-v", distribution + ":/gantry:ro", "-v", shared + ":" + shared + ":ro",
                IMAGE, "/bin/sh", "-c", "while true; do " + ADVERTISE + "/gantry/bin/gantry agent --advertise \"$addr\" "
                        + "--data-dir /var/lib/gantry --name " + name + " " + String.join(" ", agentArgs)
                        + " >>/var/lib/gantry/agent.log 2>&1; sleep 1; done"));
        docker(cmd);
    }

    /** The whole host dies: the agent and every container on it. */
    void kill() throws IOException, InterruptedException {
        docker(List.of("docker", "kill", container));
    }

    /**
     * Freezes the whole host. The kernel's freezer can refuse while a process in the cgroup is
     * between fork and exec (runc's "unable to freeze", seen right after the agent restarted),
     * so a refusal is tried again a few times before it counts.
     */
    void pause() throws IOException, InterruptedException {
        dockerRetrying(List.of("docker", "pause", container), List.of("unable to freeze"));
    }

    void unpause() throws IOException, InterruptedException {
        docker(List.of("docker", "unpause", container));
    }

    /** Cut the host off the network (schedulers, clients, other hosts), and back. */
    void disconnect() throws IOException, InterruptedException {
        docker(List.of("docker", "network", "disconnect", "bridge", container));
    }

    void connect() throws IOException, InterruptedException {
        docker(List.of("docker", "network", "connect", "bridge", container));
    }

    /** SIGKILL to the agent process only; the host's shell loop starts it again a second later. */
    void killAgent() throws IOException, InterruptedException {
        docker(List.of("docker", "exec", container, "pkill", "-9", "-f", "dev.gantry.cli.Main agent"));
    }

    /**
     * Container ids that runc on this host runs; fails (unchecked) when the host is gone. A list
     * that raced a deletion ({@link Host#RUNC_LIST_RACES}) is asked again.
     */
    List<String> runningContainers() {
        try {
            String out = dockerRetrying(List.of("docker", "exec", container, "runc", "--root", "/var/lib/gantry/runc/runc",
                    "list", "-q"), Host.RUNC_LIST_RACES);
            return out.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String log() {
        return Gantry.logOf(dataDir.resolve("agent.log"));
    }

    void remove() throws IOException, InterruptedException {
        docker(List.of("docker", "rm", "-f", "-v", container));
    }

    /** Runs a docker command, again (up to 5 tries, 200 ms apart) while it fails with one of the transient errors named. */
    private static String dockerRetrying(List<String> cmd, List<String> transientErrors) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return docker(cmd);
            } catch (IOException e) {
                if (attempt == 5 || transientErrors.stream().noneMatch(e.getMessage()::contains)) throw e;
                Thread.sleep(200);
            }
        }
    }

    private static String docker(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
