package dev.gantry.agent.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Runs one external program with an environment and stdin, and collects its exit code and output. */
final class Command {
    /** Output beyond this is dropped: plugin results and errors are small. */
    private static final int OUTPUT_LIMIT = 1 << 20;
    /**
     * Readers block until the program closes its output: they get threads of their own, never the
     * common pool's (one thread on a 2-core machine, where a reader queued behind another would
     * leave a program blocked on a full pipe).
     */
    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cni-output");
        t.setDaemon(true);
        return t;
    });

    record Result(int exitCode, String stdout, String stderr) {
    }

    private Command() {
    }

    /**
     * @param env replaces the inherited environment when not null (CNI plugins must see only what
     *            the spec defines, plus PATH for the tools they call)
     */
    static Result run(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout) throws NetworkException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (env != null) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new NetworkException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        } catch (IOException e) {
            // the program exited without reading its input: its exit code and output say why
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new NetworkException(argv.get(0) + " did not finish within " + timeout.toSeconds() + "s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted while running " + argv.get(0), e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            byte[] bytes = in.readNBytes(OUTPUT_LIMIT);
            in.transferTo(OutputStream.nullOutputStream());
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
