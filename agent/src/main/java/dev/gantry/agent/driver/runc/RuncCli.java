package dev.gantry.agent.driver.runc;

import dev.gantry.agent.driver.CappedOutput;
import dev.gantry.agent.driver.DriverException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The one place where runc and conmon are executed: argument lists, the timeout, and error
 * messages that carry the tool's stderr. Every process started here is a direct child that the
 * JDK reaps by pid; conmon daemonizes, so the container is never a child of the JVM. Thread-safe.
 */
final class RuncCli {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Drains the pipes of runc invocations; daemon threads, so they never keep the JVM alive. */
    private static final ExecutorService PIPES = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runc-cli-pipe");
        t.setDaemon(true);
        return t;
    });

    record Result(int exitCode, String stdout, String stderr) {
    }

    /** How {@code runc exec} ended: its exit code (the command's, or runc's own failure), or killed at the timeout. */
    record ExecRun(int exitCode, boolean timedOut, CappedOutput output) {
    }

    private final Path runc;
    private final Path conmon;
    private final Path runcRoot;

    RuncCli(Path runc, Path conmon, Path runcRoot) {
        this.runc = runc;
        this.conmon = conmon;
        this.runcRoot = runcRoot;
    }

    Path runcRoot() {
        return runcRoot;
    }

    /** Runs {@code runc --root=R ARGS...}; throws with stderr on a non-zero exit. */
    String runc(String... args) throws DriverException {
        Result r = runcResult(args);
        if (r.exitCode != 0) {
            throw new DriverException("runc " + String.join(" ", args) + " failed (exit " + r.exitCode + "): "
                    + firstNonBlank(r.stderr, r.stdout));
        }
        return r.stdout;
    }

    /** Like {@link #runc} but returns the result whatever the exit code. */
    Result runcResult(String... args) throws DriverException {
        List<String> cmd = new ArrayList<>();
        cmd.add(runc.toString());
        cmd.add("--root=" + runcRoot);
        cmd.addAll(List.of(args));
        return exec(cmd);
    }

    String runcVersion() throws DriverException {
        return firstLine(exec(List.of(runc.toString(), "--version")), "runc");
    }

    String conmonVersion() throws DriverException {
        return firstLine(exec(List.of(conmon.toString(), "--version")), "conmon");
    }

    /**
     * Starts conmon for one container. conmon forks itself into the background and its first
     * process exits at once; the container is {@code created} once {@code initPid} exists.
     * conmon's own output goes to {@code conmonOutput}; runc's errors go to {@code runcLog} (JSON lines).
     */
    void launchConmon(String id, ContainerPaths p, Path logPath) throws DriverException {
        List<String> cmd = List.of(conmon.toString(), "--api-version", "1", "-c", id, "-u", id, "-n", id,
                "-r", runc.toString(), "-b", p.bundle().toString(), "-p", p.initPidFile().toString(),
                "-P", p.conmonPidFile().toString(), "-l", "k8s-file:" + logPath,
                "--exit-dir", p.exitDir().toString(), "--persist-dir", p.persistDir().toString(),
                "--socket-dir-path", p.socketDir().toString(),
                "--runtime-arg", "--root=" + runcRoot,
                "--runtime-arg", "--log=" + p.runcLog(), "--runtime-arg", "--log-format=json");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(p.dir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(p.conmonOutput().toFile()))
                .redirectErrorStream(true);
        try {
            Process proc = pb.start();
            if (!proc.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                proc.destroyForcibly();
                throw new DriverException("conmon did not detach within " + TIMEOUT.toSeconds() + "s");
            }
            if (proc.exitValue() != 0) {
                throw new DriverException("conmon failed (exit " + proc.exitValue() + "): " + p.readConmonOutput());
            }
        } catch (IOException e) {
            throw new DriverException("cannot execute conmon at " + conmon + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted while starting conmon", e);
        }
    }

    /**
     * Runs {@code command} in container {@code id} with {@code runc exec}, stdout and stderr
     * merged and capped. runc's own messages go to {@code runcLog} (JSON lines) and the pid of the
     * command to {@code pidFile}: at the timeout that pid is killed first (runc, its parent,
     * has not reaped it yet, so the pid cannot have been reused), then runc.
     */
    ExecRun exec(String id, List<String> command, Duration timeout, Path pidFile, Path runcLog) throws DriverException {
        List<String> cmd = new ArrayList<>(List.of(runc.toString(), "--root=" + runcRoot, "--log=" + runcLog,
                "--log-format=json", "exec", "--pid-file", pidFile.toString(), id));
        cmd.addAll(command);
        Process proc;
        try {
            proc = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new DriverException("cannot execute " + runc + ": " + e.getMessage(), e);
        }
        CappedOutput output = new CappedOutput();
        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> output.drain(proc.getInputStream()), PIPES);
        boolean timedOut = false;
        try {
            if (!proc.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                long pid = ContainerPaths.readPid(pidFile);
                if (pid > 0) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                if (!proc.waitFor(5, TimeUnit.SECONDS)) proc.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            // A process the command left behind may hold the pipe open: its output is not waited for.
            drained.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            proc.destroyForcibly();
            throw new DriverException("interrupted: runc exec in " + id, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // keep what was read
        }
        return new ExecRun(timedOut || proc.isAlive() ? -1 : proc.exitValue(), timedOut, output);
    }

    private Result exec(List<String> cmd) throws DriverException {
        Process proc;
        try {
            proc = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new DriverException("cannot execute " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(proc.getInputStream());
        CompletableFuture<String> err = drain(proc.getErrorStream());
        try {
            if (!proc.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                proc.destroyForcibly();
                throw new DriverException(String.join(" ", cmd) + " timed out after " + TIMEOUT.toSeconds() + "s");
            }
            return new Result(proc.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            proc.destroyForcibly();
            throw new DriverException("interrupted: " + String.join(" ", cmd), e);
        } catch (Exception e) {
            throw new DriverException("reading the output of " + String.join(" ", cmd) + " failed: " + e, e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, PIPES);
    }

    private static String firstLine(Result r, String tool) throws DriverException {
        if (r.exitCode != 0) throw new DriverException(tool + " --version failed: " + firstNonBlank(r.stderr, r.stdout));
        String s = r.stdout.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String firstNonBlank(String a, String b) {
        return (a == null || a.isBlank() ? b : a).strip();
    }
}
