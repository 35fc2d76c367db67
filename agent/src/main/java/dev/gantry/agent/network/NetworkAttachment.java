package dev.gantry.agent.network;

import dev.gantry.api.v1.Network;

import java.nio.file.Path;

/**
 * An allocation's network once set up: where its tasks join it and its address.
 *
 * @param namespacePath the named network namespace the tasks join; null in host mode
 * @param address       the allocation's own IPv4 address; empty in host and none mode
 */
public record NetworkAttachment(Network.Mode mode, Path namespacePath, String address) {
    public static final NetworkAttachment HOST = new NetworkAttachment(Network.Mode.HOST, null, "");

    public NetworkAttachment {
        if ((mode == Network.Mode.HOST) != (namespacePath == null)) {
            throw new IllegalArgumentException("a namespace path exactly when not in host mode: " + mode + " " + namespacePath);
        }
        address = address == null ? "" : address;
    }

    /** Whether the tasks get their own namespace (bridge or none) rather than the node's. */
    public boolean isolated() {
        return namespacePath != null;
    }
}
