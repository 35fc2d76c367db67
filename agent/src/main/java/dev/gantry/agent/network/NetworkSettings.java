package dev.gantry.agent.network;

import java.nio.file.Path;
import java.util.List;

/**
 * How the agent networks allocations.
 *
 * @param subnet       the node's subnet, whose addresses its bridge hands out (later leased by the scheduler)
 * @param bridgeName   the Linux bridge of Gantry's own network
 * @param cniConfigDir an operator's CNI configuration to use instead of Gantry's own; null: Gantry's
 * @param pluginDirs   where CNI plugin binaries are looked up, in order
 * @param stateDir     where IPAM reservations and the CNI result cache live (under the agent's data dir)
 */
public record NetworkSettings(Subnet subnet, String bridgeName, Path cniConfigDir, List<Path> pluginDirs, Path stateDir) {
    /** The CNI network name of Gantry's own configuration. */
    public static final String NETWORK_NAME = "gantry";
    public static final String DEFAULT_BRIDGE = "gantry0";
    /**
     * The default node subnet: in 10.244.0.0/16 (the cluster CIDR Flannel made familiar), clear of
     * Docker's 172.17.0.0/16, 192.168.0.0/16 home and office LANs, and 10.0.0.0/16 cloud VPCs.
     */
    public static final String DEFAULT_SUBNET = "10.244.0.0/24";

    public NetworkSettings {
        if (!bridgeName.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("a bridge name has 1 to 15 letters, digits, '_', '.' or '-': " + bridgeName);
        }
        pluginDirs = List.copyOf(pluginDirs);
    }

    /** Gantry's own bridge on the default subnet, plugins from the usual directories, state under {@code dataDir}/network. */
    public static NetworkSettings defaults(Path dataDir) {
        return new NetworkSettings(Subnet.parse(DEFAULT_SUBNET), DEFAULT_BRIDGE, null, CniPlugins.DEFAULT_DIRS,
                dataDir.resolve("network"));
    }
}
