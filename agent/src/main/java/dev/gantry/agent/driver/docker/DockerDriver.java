package dev.gantry.agent.driver.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.Version;
import dev.gantry.agent.driver.ContainerInventory;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.DriverImages;
import dev.gantry.agent.driver.ExecResult;
import dev.gantry.agent.driver.ExitResult;
import dev.gantry.agent.driver.Signals;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.driver.TaskInspection;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Runs tasks as Docker Engine containers over the Engine API (docker-java, zero-dependency
 * transport). A task's container is named {@code gantry-<containerId>} and labelled with its
 * allocation, task and this driver's scope (see {@link ContainerSpec}); the engine keeps the
 * container, its exit code and OOM flag until {@link #destroy}, so an agent restart loses nothing.
 * Output is copied into the agent's log file ({@link LogCopier}); the exit comes from the wait
 * endpoint, retried across engine hiccups ({@link ExitWaits}). Images live in the engine
 * ({@link EngineImages}). Thread-safe.
 */
public final class DockerDriver implements TaskDriver, ContainerInventory, DriverImages, AutoCloseable {
    public static final String NAME = "docker";
    public static final URI DEFAULT_HOST = Engine.DEFAULT_HOST;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final Engine engine;
    private final String scope;
    private final EngineImages images;
    private final Map<String, LogCopier> logs = new ConcurrentHashMap<>();
    private final ExitWaits exits;

    /**
     * @param host   the engine: {@code unix:///var/run/docker.sock} ({@link #DEFAULT_HOST}) or {@code tcp://host:port}
     * @param scope  which agent's containers these are (say, its data directory): only they are listed and removed,
     *               so agents sharing one engine never touch each other's
     * @param images verifies local image archives before they are loaded into the engine; null refuses them
     */
    public DockerDriver(URI host, String scope, ImageStore images) {
        this.engine = Engine.connect(host);
        this.scope = Objects.requireNonNull(scope);
        this.images = new EngineImages(engine, images);
        this.exits = new ExitWaits(engine, this::logsCopied);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Stops following exits and logs. Containers keep running; another instance can recover them. */
    @Override
    public void close() {
        exits.close();
        logs.values().forEach(LogCopier::close);
        logs.clear();
        engine.close();
    }

    @Override
    public Map<String, String> fingerprint() throws DriverException {
        try {
            Version v = engine.requests().versionCmd().exec();
            Info info = engine.requests().infoCmd().exec();
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("driver.docker", "1");
            attrs.put("driver.docker.version", v.getVersion());
            attrs.put("driver.docker.api_version", v.getApiVersion());
            if (info.getCGroupVersion() != null) attrs.put("driver.docker.cgroups", "v" + info.getCGroupVersion());
            return attrs;
        } catch (RuntimeException e) {
            throw Errors.of(engine, "fingerprint", e);
        }
    }

    @Override
    public Image image(String reference) throws DriverException {
        return images.image(reference);
    }

    @Override
    public java.util.Optional<Image> existing(String reference) throws DriverException {
        return images.existing(reference);
    }

    @Override
    public Image load(Image pulled) throws DriverException {
        return images.load(pulled);
    }

    @Override
    public TaskHandle start(TaskConfig cfg) throws DriverException {
        validate(cfg);
        String name = ContainerSpec.name(cfg.containerId());
        String id;
        try {
            id = ContainerSpec.apply(engine.requests().createContainerCmd(cfg.image()), cfg, scope, System.getProperty("os.arch"))
                    .exec().getId();
        } catch (ConflictException e) {
            throw new DriverException("container " + cfg.containerId() + " already exists (" + name + "); destroy it first", e);
        } catch (RuntimeException e) {
            throw Errors.of(engine, "creating container " + cfg.containerId(), e);
        }
        Map<String, String> state = new LinkedHashMap<>();
        state.put("dockerId", id);
        state.put("name", name);
        state.put("logPath", cfg.logPath().toAbsolutePath().toString());
        TaskHandle handle = new TaskHandle(NAME, cfg.containerId(), state);
        try {
            engine.requests().startContainerCmd(id).exec();
            // After the start: logs of a container that is not running end at once. Nothing is missed,
            // the copy starts at the container's first line.
            followLogs(handle, id);
        } catch (RuntimeException | DriverException e) {
            DriverException failure = e instanceof DriverException de ? de
                    : Errors.of(engine, "starting container " + cfg.containerId(), (RuntimeException) e);
            try {
                destroy(handle);
            } catch (DriverException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
        watch(handle);
        return handle;
    }

    /** False also for a container that was created but never started (the agent died in between): it can only start afresh. */
    @Override
    public boolean recover(TaskHandle handle) throws DriverException {
        InspectContainerResponse c = inspectContainer(handle);
        if (c == null || c.getState() == null || "created".equals(c.getState().getStatus())) return false;
        followLogs(handle, c.getId());
        watch(handle);
        return true;
    }

    @Override
    public CompletableFuture<ExitResult> await(TaskHandle handle) {
        try {
            if (inspectContainer(handle) == null && !exits.watching(handle.containerId())) {
                return CompletableFuture.failedFuture(new DriverException("container " + handle.containerId() + " is unknown (destroyed?)"));
            }
            return watch(handle);
        } catch (DriverException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void stop(TaskHandle handle, String signal, Duration grace) throws DriverException {
        String sig;
        try {
            sig = Signals.normalize(signal);
        } catch (IllegalArgumentException e) {
            throw new DriverException(e.getMessage());
        }
        InspectContainerResponse c = inspectContainer(handle);
        if (c == null || !ExitWaits.running(c)) return;
        CompletableFuture<ExitResult> exit = watch(handle);
        kill(c.getId(), sig);
        if (waitFor(exit, grace)) return;
        kill(c.getId(), "KILL");
        if (!waitFor(exit, KILL_WAIT)) {
            throw new DriverException("container " + handle.containerId() + " did not exit within " + KILL_WAIT.toSeconds() + "s of SIGKILL");
        }
    }

    /** Removes the container (forcibly: a running one is killed). Idempotent; refuses containers of another scope. */
    @Override
    public void destroy(TaskHandle handle) throws DriverException {
        InspectContainerResponse c = inspectContainer(handle);
        if (c != null) {
            String owner = c.getConfig() == null || c.getConfig().getLabels() == null ? null
                    : c.getConfig().getLabels().get(ContainerSpec.LABEL_SCOPE);
            if (!scope.equals(owner)) {
                throw new DriverException("container " + c.getName() + " belongs to another agent (scope " + owner + "); not removing it");
            }
            try {
                engine.requests().removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            } catch (NotFoundException e) {
                // removed meanwhile
            } catch (RuntimeException e) {
                throw Errors.of(engine, "removing container " + handle.containerId(), e);
            }
        }
        LogCopier copier = logs.remove(handle.containerId());
        if (copier != null) copier.close();
        exits.forget(handle.containerId(),
                new DriverException("container " + handle.containerId() + " was destroyed before its exit was seen"));
    }

    @Override
    public TaskInspection inspect(TaskHandle handle) throws DriverException {
        InspectContainerResponse c = inspectContainer(handle);
        if (c == null || c.getState() == null) return new TaskInspection(TaskInspection.State.UNKNOWN, 0, null);
        var s = c.getState();
        int pid = s.getPidLong() == null ? 0 : s.getPidLong().intValue();
        return switch (String.valueOf(s.getStatus())) {
            case "created" -> new TaskInspection(TaskInspection.State.CREATED, pid, null);
            case "running", "paused", "restarting" -> new TaskInspection(TaskInspection.State.RUNNING, pid, null);
            case "exited", "dead" -> new TaskInspection(TaskInspection.State.EXITED, 0, ExitWaits.exitOf(c));
            default -> new TaskInspection(TaskInspection.State.UNKNOWN, pid, null); // removing
        };
    }

    /** See {@link EngineExec}: a timed-out command is killed only when the engine is local. */
    @Override
    public ExecResult exec(TaskHandle handle, List<String> command, Duration timeout) throws DriverException {
        String ref = ref(handle);
        if (command.isEmpty()) throw new DriverException("exec in " + handle.containerId() + ": empty command");
        return EngineExec.run(engine, ref, handle.containerId(), command, timeout);
    }

    /** Every container of this driver's scope on the engine, running or not, by Gantry container id. */
    @Override
    public List<String> containerIds() throws DriverException {
        List<Container> all;
        try {
            all = engine.requests().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(ContainerSpec.LABEL_SCOPE, scope)).exec();
        } catch (RuntimeException e) {
            throw Errors.of(engine, "listing containers", e);
        }
        return all.stream().map(c -> c.getLabels() == null ? null : c.getLabels().get(ContainerSpec.LABEL_CONTAINER))
                .filter(id -> id != null && ID.matcher(id).matches()).distinct().toList();
    }

    // --- internals -------------------------------------------------------------------------

    /** The one exit future per container; the first call starts waiting on the engine. */
    private CompletableFuture<ExitResult> watch(TaskHandle handle) throws DriverException {
        return exits.watch(handle.containerId(), ref(handle));
    }

    /** Completes when the container's output is all in its log file (at once when none is copied). */
    private CompletableFuture<Void> logsCopied(String containerId) {
        LogCopier copier = logs.get(containerId);
        return copier == null ? CompletableFuture.completedFuture(null) : copier.done();
    }

    private void followLogs(TaskHandle handle, String dockerId) throws DriverException {
        String path = handle.state().get("logPath");
        if (path == null || logs.containsKey(handle.containerId())) return;
        try {
            LogCopier copier = LogCopier.start(engine, dockerId, Path.of(path));
            if (logs.putIfAbsent(handle.containerId(), copier) != null) copier.close();
        } catch (IOException e) {
            throw new DriverException("cannot open the log file " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw Errors.of(engine, "following the logs of " + handle.containerId(), e);
        }
    }

    private void kill(String dockerId, String signal) throws DriverException {
        try {
            engine.requests().killContainerCmd(dockerId).withSignal(signal).exec();
        } catch (NotFoundException | ConflictException e) {
            // exited (or removed) meanwhile: the exit settles it
        } catch (RuntimeException e) {
            throw Errors.of(engine, "sending SIG" + signal.replaceFirst("^SIG", "") + " to " + dockerId, e);
        }
    }

    /** The container, or null when the engine has none by the handle's id (or name). */
    private InspectContainerResponse inspectContainer(TaskHandle handle) throws DriverException {
        String ref = ref(handle);
        try {
            return engine.requests().inspectContainerCmd(ref).exec();
        } catch (NotFoundException e) {
            return null;
        } catch (RuntimeException e) {
            throw Errors.of(engine, "inspecting container " + handle.containerId(), e);
        }
    }

    /** The engine's id from the handle, else the name: handles built from a bare id (orphans) have no state. */
    private static String ref(TaskHandle h) throws DriverException {
        if (!NAME.equals(h.driver())) throw new DriverException("handle of driver " + h.driver() + " given to the docker driver");
        String id = h.containerId();
        if (id == null || !ID.matcher(id).matches()) throw new DriverException("bad container id in handle: " + id);
        String dockerId = h.state().get("dockerId");
        return dockerId != null && dockerId.matches("[0-9a-f]{64}") ? dockerId : ContainerSpec.name(id);
    }

    private static void validate(TaskConfig cfg) throws DriverException {
        if (cfg.containerId() == null || !ID.matcher(cfg.containerId()).matches()) {
            throw new DriverException("container id must match " + ID.pattern() + ": " + cfg.containerId());
        }
        if (cfg.image() == null || cfg.image().isBlank()) throw new DriverException("no image for " + cfg.containerId());
        if (cfg.args().isEmpty()) throw new DriverException("no command for " + cfg.containerId());
        if (cfg.logPath() == null) throw new DriverException("no log path for " + cfg.containerId());
        try {
            if (cfg.security() != null) dev.gantry.agent.driver.runc.OciSpec.effectiveCapabilities(cfg.security());
        } catch (IllegalArgumentException e) {
            throw new DriverException(e.getMessage());
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
}
