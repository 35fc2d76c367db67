package dev.gantry.cli.output;

import com.google.protobuf.Timestamp;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.status.AllocationProblem;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.TaskState;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Collectors;

/** Short human forms of model values for tables. */
public final class Describe {
    private Describe() {
    }

    public static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }

    public static String status(ClientStatus s) {
        return switch (s) {
            case CLIENT_PENDING, CLIENT_STATUS_UNSPECIFIED, UNRECOGNIZED -> "pending";
            case CLIENT_RUNNING -> "running";
            case CLIENT_COMPLETE -> "complete";
            case CLIENT_FAILED -> "failed";
            case CLIENT_LOST -> "lost";
        };
    }

    /** The replica's own address (bridge mode), or "-" (host mode, or not set up yet). */
    public static String address(Allocation a) {
        return a.getAddress().isEmpty() ? "-" : a.getAddress();
    }

    public static String ports(Allocation a) {
        if (a.getPortsCount() == 0) return "-";
        return a.getPortsList().stream().map(p -> p.getName() + "=" + p.getValue()).collect(Collectors.joining(","));
    }

    public static int restarts(Allocation a) {
        return a.getTaskStatesMap().values().stream().mapToInt(TaskState::getRestarts).sum();
    }

    /** The most telling last exit among the tasks: "3", "137 (OOM)", or "-". */
    public static String lastExit(Allocation a) {
        return a.getTaskStatesMap().values().stream().filter(TaskState::getHasExit)
                .map(t -> t.getOomKilled() ? t.getLastExitCode() + " (OOM)" : String.valueOf(t.getLastExitCode()))
                .findFirst().orElse(a.getTaskStatesMap().values().stream().anyMatch(t -> t.getMessage().startsWith("could not start"))
                        ? "not started" : "-");
    }

    /**
     * What is wrong with the allocation in one line ({@link AllocationProblem}); left whole,
     * since the runtime's own words, which say why, come last. It is the last column.
     */
    public static String problem(Allocation a) {
        return AllocationProblem.describe(a).replace('\n', ' ');
    }

    public static String age(Timestamp t, Instant now) {
        if (t.getSeconds() == 0) return "-";
        Duration d = Duration.between(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()), now);
        if (d.isNegative()) d = Duration.ZERO;
        if (d.toDays() > 0) return d.toDays() + "d";
        if (d.toHours() > 0) return d.toHours() + "h";
        if (d.toMinutes() > 0) return d.toMinutes() + "m";
        return d.toSeconds() + "s";
    }

    public static String bytes(long b) {
        if (b >= 1L << 30) return String.format("%.1fGi", b / (double) (1L << 30));
        if (b >= 1L << 20) return (b >> 20) + "Mi";
        if (b >= 1L << 10) return (b >> 10) + "Ki";
        return b + "B";
    }

    public static String port(AllocatedPort p) {
        return p.getName() + "=" + p.getValue();
    }
}
