package dev.gantry.agent.network;

import dev.gantry.api.v1.Network;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The node's networks, one per mode, chosen by each request's mode. Bridge mode may be
 * unavailable (CNI plugins missing, no root): its requests then fail with the reason.
 */
public final class NetworkModes implements AllocationNetwork, NetworkOrphans {
    private static final Logger log = LoggerFactory.getLogger(NetworkModes.class);

    private final AllocationNetwork host = new HostNetwork();
    private final NetworkNamespaces namespaces;
    private final AllocationNetwork none;
    private final BridgeNetwork bridge;
    private final String bridgeUnavailable;

    /**
     * The node's networks as {@code settings} say: Gantry's own bridge conflist over the node's
     * subnet, or the operator's conflist from {@code settings.cniConfigDir()}. Bridge mode is left
     * out, with the reason, when the agent is not root or a plugin the conflist names is missing.
     */
    public static NetworkModes create(NetworkSettings settings) {
        NetworkNamespaces namespaces = new NetworkNamespaces("ip", settings.stateDir().resolve("namespaces"));
        CniPlugins plugins = new CniPlugins(settings.pluginDirs());
        String unavailable;
        try {
            CniConfig config = settings.cniConfigDir() != null ? CniConfig.load(settings.cniConfigDir())
                    : CniConfig.bridge(NetworkSettings.NETWORK_NAME, settings.bridgeName(), settings.subnet(),
                    settings.stateDir().resolve("ipam"));
            List<String> missing = plugins.missing(config);
            if (!"root".equals(System.getProperty("user.name"))) {
                unavailable = "bridge networking needs root (the agent runs as " + System.getProperty("user.name") + ")";
            } else if (!missing.isEmpty()) {
                unavailable = "CNI plugins missing: " + String.join(", ", missing) + " (install containernetworking-plugins)";
            } else {
                log.info("bridge networking: CNI network {} ({})", config.name(), settings.cniConfigDir() != null
                        ? "from " + settings.cniConfigDir() : "bridge " + settings.bridgeName() + ", subnet " + settings.subnet());
                return new NetworkModes(namespaces, new BridgeNetwork(namespaces, new CniNetwork(config, plugins),
                        settings.stateDir().resolve("cni-cache")), "");
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            unavailable = "cannot read the CNI configuration: " + e.getMessage();
        }
        log.warn("bridge network mode is not available on this node: {}", unavailable);
        return new NetworkModes(namespaces, null, unavailable);
    }

    /** @param bridge null when bridge mode cannot work here, {@code unavailable} saying why */
    public NetworkModes(NetworkNamespaces namespaces, BridgeNetwork bridge, String unavailable) {
        this.namespaces = namespaces;
        this.none = new LoopbackNetwork(namespaces);
        this.bridge = bridge;
        this.bridgeUnavailable = unavailable;
    }

    /** Why bridge mode cannot be used on this node; empty when it can. */
    public String bridgeUnavailable() {
        return bridge == null ? bridgeUnavailable : "";
    }

    @Override
    public NetworkAttachment setUp(NetworkRequest request) throws NetworkException {
        return of(request.mode()).setUp(request);
    }

    @Override
    public void tearDown(NetworkRequest request) throws NetworkException {
        of(request.mode()).tearDown(request);
    }

    private AllocationNetwork of(Network.Mode mode) throws NetworkException {
        return switch (mode) {
            case HOST -> host;
            case NONE -> none;
            case BRIDGE -> {
                if (bridge == null) throw new NetworkException("bridge mode is not available on this node: " + bridgeUnavailable);
                yield bridge;
            }
            default -> throw new NetworkException("unknown network mode " + mode);
        };
    }

    /**
     * Tears down every namespace (and CNI cache entry) of ours that none of {@code allocationIds}
     * owns: leftovers of allocations that ended while no agent ran, or of a crash mid-set-up.
     * Returns the names removed; failures are logged and retried at the next cleanup.
     */
    @Override
    public List<String> removeOrphans(Set<String> allocationIds) {
        Set<String> owned = allocationIds.stream().map(NetworkRequest::namespaceName).collect(Collectors.toSet());
        List<String> removed = new ArrayList<>();
        try {
            List<String> names = bridge != null ? bridge.names() : namespaces.owned();
            for (String name : names) {
                if (owned.contains(name)) continue;
                try {
                    if (bridge != null) bridge.tearDown(name);
                    else namespaces.delete(name);
                    removed.add(name);
                    log.info("removed orphaned network {}: no allocation on this node owns it", name);
                } catch (NetworkException e) {
                    log.warn("cannot remove orphaned network {}: {}", name, e.getMessage());
                }
            }
        } catch (NetworkException e) {
            log.warn("cannot list this node's networks: {}", e.getMessage());
        }
        return removed;
    }
}
