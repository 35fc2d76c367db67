package dev.gantry.agent.health;

import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.ExecResult;

import java.time.Duration;
import java.util.List;

/**
 * Runs a command in the task's container: exit 0 within the timeout passes, as with Kubernetes'
 * exec probes. A command still running at the timeout is killed by the driver and fails.
 */
public final class ExecProbe implements Probe {
    private static final int DETAIL_CHARS = 200;

    /** The container the command runs in: the task's current one, {@code (cmd, t) -> driver.exec(handle, cmd, t)}. */
    @FunctionalInterface
    public interface Container {
        ExecResult exec(List<String> command, Duration timeout) throws DriverException;
    }

    private final Container container;
    private final List<String> command;

    public ExecProbe(Container container, List<String> command) {
        this.container = container;
        this.command = List.copyOf(command);
    }

    @Override
    public ProbeResult probe(Duration timeout) {
        if (command.isEmpty()) return ProbeResult.fail("the exec check has no command");
        String what = "`" + String.join(" ", command) + "`";
        try {
            ExecResult r = container.exec(command, timeout);
            if (r.timedOut()) return ProbeResult.fail(what + " did not finish within " + timeout.toMillis() + "ms");
            String detail = what + " exited with " + r.exitCode() + lastLine(r.output());
            return r.exitCode() == 0 ? ProbeResult.pass(detail) : ProbeResult.fail(detail);
        } catch (DriverException | RuntimeException e) {
            return ProbeResult.fail(what + ": " + e.getMessage());
        }
    }

    /** The output's last non-blank line, which usually says why, shortened for a status message. */
    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        String last = lines[lines.length - 1].strip();
        if (last.isEmpty()) return "";
        return ": " + (last.length() > DETAIL_CHARS ? last.substring(0, DETAIL_CHARS) + "..." : last);
    }
}
