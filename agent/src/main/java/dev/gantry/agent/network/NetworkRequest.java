package dev.gantry.agent.network;

import dev.gantry.api.v1.Network;

import java.util.List;
import java.util.Locale;

/**
 * What one allocation's network must be: its mode (already resolved, never unspecified) and the
 * host ports to forward into its namespace.
 */
public record NetworkRequest(String allocationId, Network.Mode mode, List<PortMapping> ports) {
    /** Every namespace the agent makes starts with this; anything else under /run/netns is not ours. */
    public static final String NAMESPACE_PREFIX = "gantry-";

    public NetworkRequest {
        if (mode == Network.Mode.MODE_UNSPECIFIED || mode == Network.Mode.UNRECOGNIZED) {
            throw new IllegalArgumentException("resolve the network mode first: " + mode);
        }
        ports = List.copyOf(ports);
    }

    /**
     * The allocation's namespace name, {@code gantry-} and up to 20 letters and digits of its id.
     * Also its CNI container id, so that a tear-down knows everything it needs from the name alone.
     */
    public String namespaceName() {
        return namespaceName(allocationId);
    }

    public static String namespaceName(String allocationId) {
        String id = allocationId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        if (id.isEmpty()) throw new IllegalArgumentException("an allocation id needs letters or digits: " + allocationId);
        return NAMESPACE_PREFIX + id.substring(0, Math.min(20, id.length()));
    }
}
