package dev.gantry.agent.health;

import java.time.Duration;

/** One way to ask a running task whether it is well. Implementations never throw: errors are failures. */
public interface Probe {
    ProbeResult probe(Duration timeout);
}
