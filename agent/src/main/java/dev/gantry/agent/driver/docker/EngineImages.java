package dev.gantry.agent.driver.docker;

import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.LoadResponseItem;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageConfig;
import dev.gantry.agent.image.ImageException;
import dev.gantry.agent.image.ImageStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The docker driver's images live in Docker Engine's own store. A local archive (an absolute path
 * or {@code file:}, OCI layout or docker save) is verified by the agent's {@link ImageStore} and
 * loaded into the engine once, through the load endpoint (as {@code docker load}). A registry
 * image is pulled by the agent's store (its credentials, pull secrets, policy, progress and
 * digest checks: one pull path for both drivers) and loaded the same way, unless the engine
 * already has the reference. Thread-safe; one image is loaded at a time per image ID.
 */
final class EngineImages {
    private static final Logger LOG = LoggerFactory.getLogger(EngineImages.class);
    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "docker-image-export");
        t.setDaemon(true);
        return t;
    });

    private final Engine engine;
    private final ImageStore store;
    private final Map<String, Object> loading = new ConcurrentHashMap<>();

    /** @param store verifies local archives; null refuses them */
    EngineImages(Engine engine, ImageStore store) {
        this.engine = engine;
        this.store = store;
    }

    Image image(String reference) throws DriverException {
        return existing(reference).orElseThrow(() -> new DriverException("image " + reference
                + " is not in the Docker Engine: name a registry image, load it there first (docker load), or give the path of an image archive"));
    }

    /** A registry image the agent's store pulled: written from the store into the engine once. */
    Image load(Image pulled) throws DriverException {
        if (store == null) throw new DriverException("image " + pulled.reference() + ": this docker driver has no image store");
        String id;
        try {
            id = store.configDigestOf(pulled);
        } catch (ImageException e) {
            throw new DriverException(e.getMessage(), e);
        }
        synchronized (loading.computeIfAbsent(id, k -> new Object())) {
            if (inspect(id) == null) load(pulled.reference(), id, out -> store.exportDockerSave(pulled, out));
        }
        InspectImageResponse img = inspect(id);
        if (img == null) throw new DriverException("image " + pulled.reference() + " (" + id + ") vanished from the Docker Engine after loading");
        return describe(pulled.reference(), img);
    }

    Optional<Image> existing(String reference) throws DriverException {
        String name = reference;
        if (ImageStore.isLocal(reference)) {
            if (store == null) throw new DriverException("image " + reference + ": this docker driver has no image store for local archives");
            try {
                name = store.localImageId(reference);
            } catch (ImageException e) {
                throw new DriverException(e.getMessage(), e);
            }
            synchronized (loading.computeIfAbsent(name, k -> new Object())) {
                if (inspect(name) == null) load(reference, name, out -> store.exportDockerSave(reference, out));
            }
        }
        InspectImageResponse img = inspect(name);
        return img == null ? Optional.empty() : Optional.of(describe(reference, img));
    }

    private static Image describe(String reference, InspectImageResponse img) {
        ContainerConfig c = img.getConfig();
        ImageConfig config = c == null ? new ImageConfig(null, null, null, null, null)
                : new ImageConfig(list(c.getEntrypoint()), list(c.getCmd()), list(c.getEnv()), c.getWorkingDir(), c.getUser());
        return new Image(reference, img.getId(), List.of(), config);
    }

    /** Writes an image as a docker-save tar; returns its config digest. */
    private interface SaveWriter {
        String write(OutputStream out) throws ImageException, IOException;
    }

    /** Streams the image, written as a docker-save tar by {@code writer}, into the engine's load endpoint. */
    private void load(String reference, String id, SaveWriter writer) throws DriverException {
        long t0 = System.nanoTime();
        String message;
        try (PipedInputStream in = new PipedInputStream(1 << 16)) {
            PipedOutputStream out = new PipedOutputStream(in);
            CompletableFuture<String> written = CompletableFuture.supplyAsync(() -> {
                try (out) {
                    return writer.write(out);
                } catch (ImageException | IOException e) {
                    throw new CompletionException(e);
                }
            }, WRITERS);
            try {
                StringBuilder said = new StringBuilder();
                engine.requests().loadImageAsyncCmd(in).exec(new ResultCallback.Adapter<LoadResponseItem>() {
                    @Override
                    public void onNext(LoadResponseItem item) {
                        if (item.getStream() != null) said.append(item.getStream().strip()).append(' ');
                        if (item.getError() != null) said.append(item.getError().strip()).append(' ');
                    }
                }).awaitCompletion();
                message = said.toString().strip();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DriverException("interrupted while loading image " + reference, e);
            } catch (RuntimeException e) {
                Throwable writeError = writeError(written);
                if (writeError != null) throw new DriverException(writeError.getMessage(), writeError);
                throw Errors.of(engine, "loading image " + reference, e);
            } finally {
                in.close(); // a writer still blocked on the pipe fails instead of hanging
            }
            Throwable writeError = writeError(written);
            if (writeError != null) throw new DriverException(writeError.getMessage(), writeError);
        } catch (IOException e) {
            throw new DriverException("loading image " + reference + ": " + e.getMessage(), e);
        }
        if (inspect(id) == null) {
            throw new DriverException("loading image " + reference + " into the Docker Engine did not produce " + id + ": " + message);
        }
        LOG.info("loaded image {} ({}) into the Docker Engine in {} ms", reference, id, (System.nanoTime() - t0) / 1_000_000);
    }

    private static Throwable writeError(CompletableFuture<String> written) {
        try {
            written.get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    private InspectImageResponse inspect(String name) throws DriverException {
        try {
            return engine.requests().inspectImageCmd(name).exec();
        } catch (NotFoundException e) {
            return null;
        } catch (RuntimeException e) {
            throw Errors.of(engine, "inspecting image " + name, e);
        }
    }

    private static List<String> list(String[] values) {
        return values == null ? List.of() : Arrays.asList(values);
    }
}
