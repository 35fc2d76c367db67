package dev.gantry.agent.logs;

import java.time.Instant;

/** One whole line a task wrote (partial records already joined). */
public record LogLine(Instant time, KubernetesLogFormat.Stream stream, String text) {
}
