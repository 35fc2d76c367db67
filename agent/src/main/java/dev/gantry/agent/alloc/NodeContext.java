package dev.gantry.agent.alloc;

/** What tasks learn about the node they run on. */
public record NodeContext(String nodeId, String name, String hostIp) {
}
