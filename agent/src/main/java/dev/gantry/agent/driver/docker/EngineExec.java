package dev.gantry.agent.driver.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import dev.gantry.agent.driver.CappedOutput;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.ExecResult;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A command in a running container, through the exec endpoints: it gets the container's user,
 * environment and working directory. The engine cannot kill an exec'd process, so at the timeout
 * it is killed by the host pid the engine reports; that works only for a local engine (unix
 * socket): with a remote one the command is left running.
 */
final class EngineExec {
    private EngineExec() {
    }

    static ExecResult run(Engine engine, String ref, String containerId, List<String> command, Duration timeout)
            throws DriverException {
        String execId;
        try {
            execId = engine.requests().execCreateCmd(ref).withCmd(command.toArray(String[]::new))
                    .withAttachStdin(false).withAttachStdout(true).withAttachStderr(true).exec().getId();
        } catch (NotFoundException | ConflictException e) {
            throw new DriverException("container " + containerId + " is not running: " + Errors.engineMessage(e), e);
        } catch (RuntimeException e) {
            throw Errors.of(engine, "exec in " + containerId, e);
        }
        CappedOutput output = new CappedOutput();
        AtomicReference<Throwable> startError = new AtomicReference<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        var stream = engine.streams().execStartCmd(execId).withDetach(false).withTty(false)
                .exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame f) {
                        output.write(f.getPayload(), 0, f.getPayload().length);
                    }

                    @Override
                    public void onError(Throwable t) {
                        startError.set(t);
                        try {
                            close(); // ends awaitCompletion; not super.onError, which logs it as an error
                        } catch (IOException e) {
                            // gone either way
                        }
                    }
                });
        try {
            boolean ended = stream.awaitCompletion(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
            InspectExecResponse r = inspect(engine, execId);
            // The output can end before the process does (it closed stdout): wait for the exit too.
            while (ended && Boolean.TRUE.equals(r.isRunning()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
                r = inspect(engine, execId);
            }
            if (!ended || Boolean.TRUE.equals(r.isRunning())) {
                kill(engine, r);
                return output.result(-1, true);
            }
            if (r.getExitCodeLong() == null) {
                Throwable t = startError.get();
                throw new DriverException("exec in " + containerId + " reported no exit code" + (t == null ? "" : ": " + t.getMessage()), t);
            }
            return output.result(notFoundAs127(r.getExitCodeLong().intValue(), output.text()), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted: exec in " + containerId, e);
        } finally {
            try {
                stream.close();
            } catch (IOException e) {
                // the command is done with; nothing to release
            }
        }
    }

    /**
     * The engine reports 126 for every command it could not start ("OCI runtime exec failed");
     * a missing one is 127, as a shell (and the runc driver) says.
     */
    static int notFoundAs127(int exitCode, String output) {
        boolean missing = output.contains("OCI runtime exec failed")
                && (output.contains("no such file or directory") || output.contains("executable file not found"));
        return exitCode == 126 && missing ? 127 : exitCode;
    }

    private static void kill(Engine engine, InspectExecResponse r) {
        Long pid = r.getPidLong();
        if (!engine.local() || pid == null || pid <= 0) return;
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    private static InspectExecResponse inspect(Engine engine, String execId) throws DriverException {
        try {
            return engine.requests().inspectExecCmd(execId).exec();
        } catch (RuntimeException e) {
            throw Errors.of(engine, "inspecting exec " + execId, e);
        }
    }
}
