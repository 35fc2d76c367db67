package dev.gantry.cli.daemons;

import dev.gantry.api.spec.Quantities;
import picocli.CommandLine.Option;

import java.time.Duration;

/** `--node-ttl`, shared by `gantry scheduler` and `gantry dev`, and the one rule for TTL flags. */
public final class NodeTtlOption {
    static final Duration MIN_TTL = Duration.ofSeconds(2);

    @Option(names = "--node-ttl", defaultValue = "10s", paramLabel = "DURATION",
            description = "Mark a node down (and replace its allocations) when its agent has not been heard from "
                    + "for this long (default: ${DEFAULT-VALUE}). At least 2s; agents are told to heartbeat every third of it.")
    String nodeTtl;

    Duration nodeTtl() {
        return ttl("--node-ttl", nodeTtl);
    }

    /** A TTL flag's value: a duration like `10s`, at least 2s. */
    static Duration ttl(String option, String text) {
        var d = Quantities.parseDuration(text);
        Duration ttl = Duration.ofSeconds(d.getSeconds(), d.getNanos());
        if (ttl.compareTo(MIN_TTL) < 0) throw new IllegalArgumentException(option + " must be at least 2s, got " + text);
        return ttl;
    }
}
