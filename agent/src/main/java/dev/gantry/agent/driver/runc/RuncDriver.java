package dev.gantry.agent.driver.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.agent.driver.ContainerInventory;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.ExecResult;
import dev.gantry.agent.driver.ExitResult;
import dev.gantry.agent.driver.NetworkNamespaceJoining;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.driver.TaskInspection;
import dev.gantry.agent.sys.FileTrees;
import dev.gantry.agent.sys.Mounts;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks as OCI containers with runc under conmon (see DESIGN.md §5). Layout under the
 * state root: {@code runc/} (one runc --root for all containers, so {@code runc list} shows them
 * all) and {@code containers/<id>/} (bundle, overlay upper/work, conmon's files; see
 * {@link ContainerPaths}). All state needed after an agent restart is on disk and in the handle.
 * Thread-safe; operations on different containers do not block each other.
 */
public final class RuncDriver implements TaskDriver, ContainerInventory, NetworkNamespaceJoining {
    public static final String NAME = "runc";
    public static final Path DEFAULT_RUNC = Path.of("/usr/sbin/runc");
    public static final Path DEFAULT_CONMON = Path.of("/usr/bin/conmon");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(RuncDriver.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Path runcBinary;
    private final Path conmonBinary;
    private final RuncCli cli;
    private final Cgroups cgroups;
    private final ExitWatcher exits;

    /** Uses runc and conmon from their Debian paths, else from PATH, and the host's cgroup mount. */
    public RuncDriver(Path stateRoot) {
        this(stateRoot, locate("runc", DEFAULT_RUNC), locate("conmon", DEFAULT_CONMON), Cgroups.detect());
    }

    public RuncDriver(Path stateRoot, Path runc, Path conmon, Cgroups cgroups) {
        this.root = stateRoot.toAbsolutePath().normalize();
        this.runcBinary = runc;
        this.conmonBinary = conmon;
        this.cli = new RuncCli(runc, conmon, root.resolve("runc"));
        this.cgroups = cgroups;
        this.exits = new ExitWatcher(new Probe());
    }

    /** The binary's path: the default when executable, else the first match on PATH, else the default. */
    public static Path locate(String name, Path preferred) {
        if (Files.isExecutable(preferred)) return preferred;
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        return preferred;
    }

    @Override
    public String name() {
        return NAME;
    }

    public Cgroups cgroups() {
        return cgroups;
    }

    /** Stops this instance's exit polling. Containers keep running; another instance can recover them. */
    public void close() {
        exits.close();
    }

    @Override
    public Map<String, String> fingerprint() throws DriverException {
        if (!isRoot()) throw new DriverException("the runc driver needs root (the agent runs as uid " + effectiveUid() + ")");
        for (Path p : List.of(runcBinary, conmonBinary)) {
            if (!Files.isExecutable(p)) throw new DriverException(p.getFileName() + " not found or not executable at " + p);
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("driver.runc", "1");
        attrs.put("driver.runc.version", lastWord(cli.runcVersion()));
        attrs.put("driver.conmon.version", lastWord(cli.conmonVersion()));
        attrs.put("driver.runc.cgroups", cgroups.version());
        return attrs;
    }

    @Override
    public TaskHandle start(TaskConfig cfg) throws DriverException {
        validate(cfg);
        String id = cfg.containerId();
        ContainerPaths p = ContainerPaths.of(root, id);
        try {
            // Only root may look into bundles, upper dirs and runc's state.
            createPrivateDirectory(cli.runcRoot());
            createPrivateDirectory(p.dir().getParent());
            Files.createDirectory(p.dir()); // atomic: one start per id wins
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new DriverException("container " + id + " already exists at " + p.dir() + "; destroy it first");
        } catch (IOException e) {
            throw new DriverException("cannot create the container directory " + p.dir() + ": " + e, e);
        }
        try {
            for (Path d : List.of(p.rootfs(), p.upper(), p.work(), p.exitDir(), p.persistDir(), p.socketDir())) {
                Files.createDirectories(d);
            }
        } catch (IOException e) {
            try {
                FileTrees.deleteRecursively(p.dir());
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new DriverException("cannot create the container directory " + p.dir() + ": " + e, e);
        }
        try {
            List<Path> topFirst = new ArrayList<>(cfg.layers());
            java.util.Collections.reverse(topFirst);
            Mounts.mountOverlay(topFirst, p.upper(), p.work(), p.rootfs());
            ImageUser user;
            try {
                user = ImageUser.resolve(cfg.user(), p.rootfs());
            } catch (IllegalArgumentException e) {
                throw new DriverException("cannot run as user '" + cfg.user() + "': " + e.getMessage());
            }
            Path hostsFile = null;
            if (cfg.network().isolated()) {
                // Its own network: the host's /etc/hosts would name the host's addresses, not the task's.
                hostsFile = p.dir().resolve("hosts");
                Files.writeString(hostsFile, OciSpec.hostsFile(cfg));
            }
            ObjectNode spec = OciSpec.build(cfg, user, hostOptions(), hostsFile);
            JSON.writerWithDefaultPrettyPrinter().writeValue(p.configJson().toFile(), spec);
            Path parent = cfg.logPath().toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);

            long t0 = System.nanoTime();
            cli.launchConmon(id, p, cfg.logPath().toAbsolutePath());
            long initPid = awaitCreated(p);
            long t1 = System.nanoTime();
            cli.runc("start", id);
            LOG.debug("container {}: created in {} ms, started in {} ms", id, (t1 - t0) / 1_000_000,
                    (System.nanoTime() - t1) / 1_000_000);
            Map<String, String> state = new LinkedHashMap<>();
            state.put("dir", p.dir().toString());
            state.put("runcRoot", cli.runcRoot().toString());
            state.put("cgroupPath", OciSpec.cgroupsPath(id));
            state.put("logPath", cfg.logPath().toAbsolutePath().toString());
            state.put("initPid", Long.toString(initPid));
            state.put("conmonPid", Long.toString(ContainerPaths.readPid(p.conmonPidFile())));
            return new TaskHandle(NAME, id, state);
        } catch (DriverException | IOException | RuntimeException e) {
            try {
                destroy(p);
            } catch (DriverException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof DriverException de) throw de;
            throw new DriverException("cannot start container " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean recover(TaskHandle handle) throws DriverException {
        ContainerPaths p = paths(handle);
        if (!Files.isDirectory(p.dir())) return false;
        if (recordedExit(p).isPresent()) {
            exits.watch(p);
            return true;
        }
        Optional<JsonNode> st = runcState(p.id());
        String status = st.map(s -> s.path("status").asText()).orElse("");
        boolean known = status.equals("running") || status.equals("created") || status.equals("paused")
                || (status.equals("stopped") && conmonAlive(p));
        if (known) exits.watch(p);
        return known;
    }

    @Override
    public CompletableFuture<ExitResult> await(TaskHandle handle) {
        try {
            ContainerPaths p = paths(handle);
            if (!Files.isDirectory(p.dir())) {
                return CompletableFuture.failedFuture(new DriverException("container " + p.id() + " is unknown (destroyed?)"));
            }
            return exits.watch(p);
        } catch (DriverException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void stop(TaskHandle handle, String signal, Duration grace) throws DriverException {
        ContainerPaths p = paths(handle);
        if (!Files.isDirectory(p.dir()) || recordedExit(p).isPresent()) return;
        String sig;
        try {
            sig = normalizeSignal(signal);
        } catch (IllegalArgumentException e) {
            throw new DriverException(e.getMessage());
        }
        CompletableFuture<ExitResult> exit = exits.watch(p);
        kill(p.id(), sig);
        if (waitFor(exit, grace)) return;
        kill(p.id(), "KILL");
        if (!waitFor(exit, KILL_WAIT)) {
            throw new DriverException("container " + p.id() + " did not exit within " + KILL_WAIT.toSeconds() + "s of SIGKILL");
        }
    }

    @Override
    public void destroy(TaskHandle handle) throws DriverException {
        destroy(paths(handle));
    }

    @Override
    public TaskInspection inspect(TaskHandle handle) throws DriverException {
        ContainerPaths p = paths(handle);
        Optional<ExitResult> exit = Files.isDirectory(p.dir()) ? recordedExit(p) : Optional.empty();
        if (exit.isPresent()) return new TaskInspection(TaskInspection.State.EXITED, 0, exit.get());
        Optional<JsonNode> st = runcState(p.id());
        if (st.isEmpty()) return new TaskInspection(TaskInspection.State.UNKNOWN, 0, null);
        int pid = st.get().path("pid").asInt(0);
        return switch (st.get().path("status").asText()) {
            case "created" -> new TaskInspection(TaskInspection.State.CREATED, pid, null);
            case "running", "paused" -> new TaskInspection(TaskInspection.State.RUNNING, pid, null);
            default -> new TaskInspection(TaskInspection.State.UNKNOWN, pid, null); // stopped, exit not yet written
        };
    }

    @Override
    public ExecResult exec(TaskHandle handle, List<String> command, Duration timeout) throws DriverException {
        ContainerPaths p = paths(handle);
        if (command.isEmpty()) throw new DriverException("exec in " + p.id() + ": empty command");
        requireRunning(p);
        String name = java.util.UUID.randomUUID().toString();
        Path pidFile = p.execDir().resolve(name + ".pid");
        Path runcLog = p.execDir().resolve(name + ".log");
        try {
            Files.createDirectories(p.execDir());
            RuncCli.ExecRun run = cli.exec(p.id(), command, timeout, pidFile, runcLog);
            if (run.timedOut()) return run.output().result(-1, true);
            if (Files.exists(pidFile)) return run.output().result(run.exitCode(), false);
            // runc never started the command: the container stopped meanwhile, or the command is unusable.
            requireRunning(p);
            String error = lastError(runcLog).orElse(run.output().text().strip());
            boolean notFound = error.contains("not found") || error.contains("no such file");
            return new ExecResult(notFound ? 127 : 126, false, error, false);
        } catch (IOException e) {
            throw new DriverException("exec in " + p.id() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(pidFile);
                Files.deleteIfExists(runcLog);
            } catch (IOException e) {
                LOG.debug("cannot remove the exec files of {}", p.id(), e);
            }
        }
    }

    private void requireRunning(ContainerPaths p) throws DriverException {
        boolean running = Files.isDirectory(p.dir()) && recordedExit(p).isEmpty()
                && runcState(p.id()).map(s -> s.path("status").asText().equals("running")).orElse(false);
        if (!running) throw new DriverException("container " + p.id() + " is not running");
    }

    /**
     * Every container directory under {@code containers/} plus every container runc knows under
     * this driver's root: a crash can leave either without the other. Ids that could not be ours
     * (bad characters) are skipped, so destroy() never sees a path outside the layout.
     */
    @Override
    public List<String> containerIds() throws DriverException {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        Path containers = root.resolve("containers");
        if (Files.isDirectory(containers)) {
            try (var dirs = Files.list(containers)) {
                dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).forEach(ids::add);
            } catch (IOException e) {
                throw new DriverException("cannot list " + containers + ": " + e.getMessage(), e);
            }
        }
        if (Files.isDirectory(cli.runcRoot())) {
            String out = cli.runc("list", "--format", "json");
            try {
                for (JsonNode c : JSON.readTree(out.isBlank() ? "null" : out)) ids.add(c.path("id").asText());
            } catch (IOException e) {
                throw new DriverException("runc list printed invalid JSON: " + e.getMessage(), e);
            }
        }
        return ids.stream().filter(id -> ID.matcher(id).matches()).toList();
    }

    // --- internals -------------------------------------------------------------------------

    /** Idempotent teardown in crash-safe order: stop, runc delete, conmon, mount, cgroup, directory. */
    private void destroy(ContainerPaths p) throws DriverException {
        String id = p.id();
        String cgroupPath = OciSpec.cgroupsPath(id);
        Optional<JsonNode> st = runcState(id);
        if (st.isPresent() && !st.get().path("status").asText().equals("stopped")) {
            cli.runcResult("kill", id, "KILL");
            // Only a live conmon writes the exit file; without one, runc delete --force settles it.
            if (Files.isDirectory(p.dir()) && conmonAlive(p)) waitFor(exits.watch(p), KILL_WAIT);
        }
        if (st.isPresent()) {
            var r = cli.runcResult("delete", "--force", id);
            if (r.exitCode() != 0 && runcState(id).isPresent()) {
                throw new DriverException("runc delete " + id + " failed: " + r.stderr().strip());
            }
        }
        long conmonPid = ContainerPaths.readPid(p.conmonPidFile());
        if (conmonPid > 0 && isConmon(conmonPid)) {
            // Normally conmon has exited on its own once the container did; this covers a stuck one.
            ProcessHandle.of(conmonPid).ifPresent(ProcessHandle::destroyForcibly);
            for (int i = 0; i < 100 && isConmon(conmonPid); i++) sleep(10);
        }
        try {
            if (Files.exists(p.rootfs())) Mounts.unmount(p.rootfs());
            if (Files.exists(p.rootfs()) && Mounts.isMountPoint(p.rootfs())) {
                throw new DriverException("rootfs of " + id + " is still mounted at " + p.rootfs());
            }
            removeCgroup(cgroupPath);
            FileTrees.deleteRecursively(p.dir());
        } catch (IOException e) {
            throw new DriverException("cannot remove container " + id + ": " + e.getMessage(), e);
        }
        exits.forget(id, x -> new DriverException("container " + x + " was destroyed before its exit was seen"));
    }

    private void removeCgroup(String cgroupPath) throws IOException, DriverException {
        IOException last = null;
        for (int attempt = 0; attempt < 50 && cgroups.exists(cgroupPath); attempt++) {
            for (long pid : cgroups.pids(cgroupPath)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            try {
                cgroups.remove(cgroupPath);
                return;
            } catch (IOException e) {
                last = e;
                sleep(20);
            }
        }
        if (last != null && cgroups.exists(cgroupPath)) throw last;
    }

    /** Polls for init.pid; fails early with runc's error once conmon has died without creating the container. */
    private long awaitCreated(ContainerPaths p) throws DriverException {
        long deadline = System.nanoTime() + CREATE_TIMEOUT.toNanos();
        long sleepMs = 1;
        while (System.nanoTime() < deadline) {
            long pid = ContainerPaths.readPid(p.initPidFile());
            if (pid > 0) return pid;
            long conmon = ContainerPaths.readPid(p.conmonPidFile());
            if (conmon > 0 && !ProcessHandle.of(conmon).map(ProcessHandle::isAlive).orElse(false)) {
                pid = ContainerPaths.readPid(p.initPidFile());
                if (pid > 0) return pid;
                throw new DriverException("container could not be created: " + runtimeError(p));
            }
            sleep(sleepMs);
            sleepMs = Math.min(20, sleepMs * 2);
        }
        throw new DriverException("container " + p.id() + " was not created within " + CREATE_TIMEOUT.toSeconds()
                + "s: " + runtimeError(p));
    }

    /** The last error runc logged (JSON lines), else conmon's own output. */
    static String runtimeError(ContainerPaths p) {
        Optional<String> msg = lastError(p.runcLog());
        if (msg.isPresent()) return msg.get();
        String out = p.readConmonOutput();
        return out.isEmpty() ? "no error recorded by runc or conmon" : out;
    }

    /** The last error in a runc log (JSON lines); a line that is not JSON counts as one. */
    static Optional<String> lastError(Path runcLog) {
        String msg = null;
        for (String line : ContainerPaths.readQuietly(runcLog).split("\n")) {
            if (line.isBlank()) continue;
            try {
                JsonNode n = JSON.readTree(line);
                if (n.path("level").asText().matches("error|fatal")) msg = n.path("msg").asText();
            } catch (IOException e) {
                msg = line;
            }
        }
        return Optional.ofNullable(msg);
    }

    private void kill(String id, String signal) throws DriverException {
        var r = cli.runcResult("kill", id, signal);
        if (r.exitCode() == 0) return;
        // Exited meanwhile (or never started): the exit file settles it; anything else is an error.
        Optional<JsonNode> st = runcState(id);
        if (st.isEmpty() || st.get().path("status").asText().equals("stopped")) return;
        throw new DriverException("runc kill " + id + " " + signal + " failed: " + r.stderr().strip());
    }

    static String normalizeSignal(String signal) {
        return dev.gantry.agent.driver.Signals.normalize(signal);
    }

    private Optional<JsonNode> runcState(String id) throws DriverException {
        // runc keeps a container's state in <root>/<id>/: without it there is nothing to ask,
        // and not spawning runc keeps destroy() of a never-started id cheap.
        if (!Files.exists(cli.runcRoot().resolve(id))) return Optional.empty();
        var r = cli.runcResult("state", id);
        if (r.exitCode() != 0) return Optional.empty();
        try {
            return Optional.of(JSON.readTree(r.stdout()));
        } catch (IOException e) {
            throw new DriverException("runc state " + id + " printed invalid JSON: " + e.getMessage(), e);
        }
    }

    /** The exit once conmon has recorded it: our result.json, else conmon's exit file (then saved as result.json). */
    private Optional<ExitResult> recordedExit(ContainerPaths p) throws DriverException {
        try {
            if (Files.exists(p.resultFile())) {
                JsonNode n = JSON.readTree(p.resultFile().toFile());
                return Optional.of(new ExitResult(n.path("exitCode").asInt(), n.path("oomKilled").asBoolean(),
                        Instant.parse(n.path("finishedAt").asText()), n.path("message").asText()));
            }
            String code = ContainerPaths.readQuietly(p.exitFile());
            if (code.isEmpty()) return Optional.empty();
            int exitCode = Integer.parseInt(code);
            Instant finishedAt = Files.getLastModifiedTime(p.exitFile()).toInstant();
            long oomKills = cgroups.oomKillCount(OciSpec.cgroupsPath(p.id())); // before the cgroup is deleted
            boolean conmonOom = Files.exists(p.oomFile()) || Files.exists(p.bundleOomFile());
            boolean oom = conmonOom || oomKills > 0;
            if (oom) LOG.debug("container {}: OOM (conmon marker {}, cgroup oom_kill {})", p.id(), conmonOom, oomKills);
            ExitResult r = new ExitResult(exitCode, oom, finishedAt, describe(exitCode, oom));
            ObjectNode n = JSON.createObjectNode();
            n.put("exitCode", r.exitCode());
            n.put("oomKilled", r.oomKilled());
            n.put("finishedAt", r.finishedAt().toString());
            n.put("message", r.message());
            Path tmp = p.dir().resolve("result.json." + Thread.currentThread().getId() + ".tmp"); // one writer per file
            JSON.writeValue(tmp.toFile(), n);
            Files.move(tmp, p.resultFile(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return Optional.of(r);
        } catch (NumberFormatException e) {
            return Optional.empty(); // conmon is still writing the file
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new DriverException("cannot read the exit of container " + p.id() + ": " + e, e);
        }
    }

    static String describe(int exitCode, boolean oom) {
        return ExitResult.describe(exitCode, oom);
    }

    private final class Probe implements ExitWatcher.Probe {
        @Override
        public ExitResult poll(ContainerPaths paths) throws DriverException {
            return recordedExit(paths).orElse(null);
        }

        @Override
        public ExitResult lost(ContainerPaths paths) throws DriverException {
            Optional<ExitResult> r = recordedExit(paths);
            if (r.isPresent()) return r.get();
            Optional<JsonNode> st = runcState(paths.id());
            if (st.isPresent() && !st.get().path("status").asText().equals("stopped")) return null; // still running
            return new ExitResult(255, false, Instant.now(), "conmon exited without recording the container's exit");
        }

        @Override
        public boolean conmonAlive(ContainerPaths paths) {
            return RuncDriver.conmonAlive(paths);
        }
    }

    private static boolean conmonAlive(ContainerPaths p) {
        long pid = ContainerPaths.readPid(p.conmonPidFile());
        return pid > 0 && isConmon(pid);
    }

    /** Whether pid is a live (not zombie) conmon; checking the name guards against pid reuse. */
    static boolean isConmon(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            if (open < 0 || close < open) return false;
            String state = stat.substring(close + 1).trim();
            return stat.substring(open + 1, close).equals("conmon") && !state.startsWith("Z") && !state.startsWith("X");
        } catch (IOException e) {
            return false;
        }
    }

    private ContainerPaths paths(TaskHandle h) throws DriverException {
        if (!NAME.equals(h.driver())) throw new DriverException("handle of driver " + h.driver() + " given to the runc driver");
        String id = h.containerId();
        if (id == null || !ID.matcher(id).matches()) throw new DriverException("bad container id in handle: " + id);
        String dir = h.state().get("dir");
        Path d = dir == null ? ContainerPaths.of(root, id).dir() : Path.of(dir);
        // Never delete or read a directory that a corrupted handle points at outside our layout.
        if (!d.equals(ContainerPaths.of(root, id).dir())) {
            throw new DriverException("handle of " + id + " points at " + d + ", outside this driver's root " + root);
        }
        return new ContainerPaths(id, d);
    }

    private static void validate(TaskConfig cfg) throws DriverException {
        if (cfg.containerId() == null || !ID.matcher(cfg.containerId()).matches()) {
            throw new DriverException("container id must match " + ID.pattern() + ": " + cfg.containerId());
        }
        if (cfg.layers().isEmpty()) throw new DriverException("no image layers for " + cfg.containerId());
        for (Path l : cfg.layers()) {
            if (!Files.isDirectory(l)) throw new DriverException("image layer " + l + " is not a directory");
        }
        if (cfg.args().isEmpty()) throw new DriverException("no command for " + cfg.containerId());
        if (cfg.logPath() == null) throw new DriverException("no log path for " + cfg.containerId());
        try {
            if (cfg.security() != null) OciSpec.effectiveCapabilities(cfg.security());
        } catch (IllegalArgumentException e) {
            throw new DriverException(e.getMessage());
        }
    }

    private OciSpec.HostOptions hostOptions() {
        List<String> files = new ArrayList<>();
        for (String f : List.of("/etc/resolv.conf", "/etc/hosts")) {
            if (Files.isRegularFile(Path.of(f))) files.add(f);
        }
        return new OciSpec.HostOptions(cgroups.supportsSwapLimit(), files, System.getProperty("os.arch"));
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // created concurrently
        }
    }

    private static boolean waitFor(CompletableFuture<ExitResult> f, Duration d) throws DriverException {
        try {
            f.get(Math.max(1, d.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted while waiting for the container's exit", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DriverException de) throw de;
            throw new DriverException("waiting for the container's exit failed: " + e.getCause(), e.getCause());
        }
    }


    private static boolean isRoot() {
        return effectiveUid() == 0;
    }

    private static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Long.parseLong(line.split("\\s+")[2]);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read the effective uid", e);
        }
        return -1;
    }

    private static String lastWord(String s) {
        String[] w = s.strip().split("\\s+");
        return w[w.length - 1];
    }

    private static void sleep(long ms) throws DriverException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted", e);
        }
    }
}
