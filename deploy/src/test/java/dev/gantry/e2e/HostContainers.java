package dev.gantry.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which Docker containers the multi-host harness owns, and the removal of those an earlier run
 * left behind (a run killed before its cleanup leaves its host containers running, each with an
 * agent and its nested containers). Every host container ({@link AgentHost}) is named
 * {@value #NAME_PREFIX}... and labelled with its owner, this JVM: hostname, pid and start time.
 * At a cluster's start, a container so labelled whose owner no longer runs is removed; one whose
 * owner runs (another test run on this machine, a {@code cluster.sh} cluster) is left alone, as is
 * one owned from another hostname (a harness in another container sharing the engine). A host
 * container of the harness before the label existed (same name shape, no label) is removed once
 * it is older than {@link #UNLABELLED_AGE}, which no run of the harness lasts.
 */
final class HostContainers {
    static final String NAME_PREFIX = "gantry-it-";
    static final String OWNER_LABEL = "dev.gantry.it.owner";
    /** The name shape of {@link AgentHost}'s containers before the owner label: gantry-it-host-N-HEX. */
    static final Pattern UNLABELLED_NAME = Pattern.compile("gantry-it-host-\\d+-[0-9a-f]+");
    static final Duration UNLABELLED_AGE = Duration.ofHours(1);
    /** Slack when comparing a recorded start time with the process's (both come from /proc, in ms). */
    private static final long START_SLACK_MS = 1000;
    private static final DateTimeFormatter DOCKER_CREATED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z");

    /** The owner of a labelled container: which process on which host started it. */
    record Owner(String host, long pid, long startMillis) {
        static Optional<Owner> parse(String label) {
            String[] parts = label.split("/", -1);
            if (parts.length != 3 || parts[0].isEmpty()) return Optional.empty();
            try {
                return Optional.of(new Owner(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2])));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        String label() {
            return host + "/" + pid + "/" + startMillis;
        }
    }

    /** One line of {@code docker ps -a}: id, name, owner label ("" when none), creation time (null when unreadable). */
    record Listed(String id, String name, String ownerLabel, Instant created) {
    }

    private HostContainers() {
    }

    /** The owner label of the containers this JVM starts. */
    static Owner self() {
        ProcessHandle me = ProcessHandle.current();
        return new Owner(hostname(), me.pid(), me.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    }

    /** {@code docker run} arguments that mark a container as this JVM's. */
    static List<String> labelArgs() {
        return List.of("--label", OWNER_LABEL + "=" + self().label());
    }

    /**
     * The pure decision: is {@code c} a leftover that this harness may remove? {@code running} says
     * whether an owner (on this host) still runs.
     */
    static boolean isLeftover(Listed c, String thisHost, Predicate<Owner> running, Instant now) {
        if (!c.name().startsWith(NAME_PREFIX)) return false;
        if (!c.ownerLabel().isEmpty()) {
            Optional<Owner> owner = Owner.parse(c.ownerLabel());
            if (owner.isEmpty() || !owner.get().host().equals(thisHost)) return false;   // not ours to judge
            return !running.test(owner.get());
        }
        return UNLABELLED_NAME.matcher(c.name()).matches() && c.created() != null
                && c.created().plus(UNLABELLED_AGE).isBefore(now);
    }

    /** Whether the owner's process runs: the same pid with the same start time (a reused pid is another process). */
    static boolean running(Owner owner) {
        Optional<ProcessHandle> p = ProcessHandle.of(owner.pid());
        if (p.isEmpty() || !p.get().isAlive()) return false;
        Optional<Instant> start = p.get().info().startInstant();
        if (start.isEmpty() || owner.startMillis() == 0) return true;   // cannot tell: assume it is the owner
        return Math.abs(start.get().toEpochMilli() - owner.startMillis()) <= START_SLACK_MS;
    }

    /** Parses one line of {@link #list()}'s format; null when it is not one. */
    static Listed parseLine(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 4 || f[0].isBlank()) return null;
        return new Listed(f[0].trim(), f[1].trim(), f[2].trim(), parseCreated(f[3].trim()));
    }

    /** Docker's {@code {{.CreatedAt}}}: "2026-12-04 23:13:02 +0000 UTC"; null when it is not that. */
    static Instant parseCreated(String createdAt) {
        String[] f = createdAt.split(" ");
        if (f.length < 3) return null;
        try {
            return ZonedDateTime.parse(f[0] + " " + f[1] + " " + f[2], DOCKER_CREATED).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Removes the harness's leftovers from earlier runs, saying which; returns their names. */
    static List<String> removeLeftovers() throws IOException, InterruptedException {
        String thisHost = hostname();
        Instant now = Instant.now();
        List<String> removed = new ArrayList<>();
        for (Listed c : list()) {
            if (!isLeftover(c, thisHost, HostContainers::running, now)) continue;
            String why = c.ownerLabel().isEmpty() ? "unlabelled, created " + c.created() : "owner " + c.ownerLabel() + " gone";
            try {
                docker(List.of("docker", "rm", "-f", "-v", c.id()));
                System.out.println("multi-host cluster: removed leftover host container " + c.name() + " of an earlier run (" + why + ")");
                removed.add(c.name());
            } catch (IOException e) {
                // Gone meanwhile, or the engine refused: the run goes on, the message says why.
                System.out.println("multi-host cluster: could not remove leftover host container " + c.name() + " (" + why + "): "
                        + e.getMessage());
            }
        }
        return removed;
    }

    private static List<Listed> list() throws IOException, InterruptedException {
        String out = docker(List.of("docker", "ps", "-a", "--no-trunc", "--filter", "name=^" + NAME_PREFIX,
                "--format", "{{.ID}}\t{{.Names}}\t{{.Label \"" + OWNER_LABEL + "\"}}\t{{.CreatedAt}}"));
        List<Listed> listed = new ArrayList<>();
        for (String line : out.split("\n")) {
            Listed c = parseLine(line);
            if (c != null) listed.add(c);
        }
        return listed;
    }

    /** Runs a docker command and returns its output; fails on a non-zero exit. */
    private static String docker(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish within 2 minutes");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
        return out;
    }

    private static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!h.isEmpty()) return h;
        } catch (IOException e) {
            // not Linux: fall through
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env.trim();
    }
}
