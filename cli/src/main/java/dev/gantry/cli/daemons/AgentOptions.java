package dev.gantry.cli.daemons;

import dev.gantry.agent.AgentDaemon;
import dev.gantry.agent.image.ImageGcPolicy;
import dev.gantry.agent.network.CniPlugins;
import dev.gantry.agent.network.NetworkSettings;
import dev.gantry.agent.network.Subnet;
import dev.gantry.api.spec.Quantities;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Flags of an agent, shared by `gantry agent` and `gantry dev`. */
public final class AgentOptions {
    @Option(names = "--data-dir", defaultValue = "/var/lib/gantry/agent", paramLabel = "DIR",
            description = "Where the agent keeps images, container state and logs (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--name", description = "Node name (default: the hostname).")
    String name;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A node label for constraints; repeatable.")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--agent-bind", defaultValue = "0.0.0.0", paramLabel = "HOST", description = "Address the agent's gRPC port binds to (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--agent-port", defaultValue = "7422", paramLabel = "PORT", description = "The agent's gRPC port, for logs (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--advertise", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "The address others reach this node at, also the host IP tasks see (default: ${DEFAULT-VALUE}).")
    String advertise;

    @Option(names = "--dynamic-ports", defaultValue = "20000-32000", paramLabel = "LOW-HIGH",
            description = "Range for dynamic ports (default: ${DEFAULT-VALUE}).")
    String dynamicPorts;

    @Option(names = "--reserve-memory", defaultValue = "256Mi", paramLabel = "SIZE",
            description = "Memory kept for the system, not offered to jobs (default: ${DEFAULT-VALUE}).")
    String reserveMemory;

    @Option(names = "--registry-config", paramLabel = "FILE",
            description = "Docker-style config.json with registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json).")
    Path registryConfig;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
            description = "A registry reached over plain HTTP; repeatable. All others need HTTPS.")
    java.util.Set<String> insecureRegistries = new java.util.LinkedHashSet<>();

    @Option(names = "--image-gc-interval", defaultValue = "5m", paramLabel = "DURATION",
            description = "How often unused images are removed from the agent's image store; 0 turns image GC off (default: ${DEFAULT-VALUE}).")
    String imageGcInterval;

    @Option(names = "--image-gc-max-size", defaultValue = "10Gi", paramLabel = "SIZE",
            description = "When the image store (blobs and unpacked layers) is larger, unused images are removed, least recently "
                    + "used first, down to 80%% of it; 0: no size limit (default: ${DEFAULT-VALUE}).")
    String imageGcMaxSize;

    @Option(names = "--image-gc-max-age", defaultValue = "24h", paramLabel = "DURATION",
            description = "An image no allocation has used for this long is removed; 0: no age limit (default: ${DEFAULT-VALUE}). "
                    + "Images used in the last 10 minutes and those of allocations on this node are always kept.")
    String imageGcMaxAge;

    @Option(names = "--docker-host", defaultValue = "unix:///var/run/docker.sock", paramLabel = "URL",
            description = "Docker Engine of the docker driver: unix:///PATH or tcp://HOST:PORT (no TLS) (default: ${DEFAULT-VALUE}). "
                    + "The node offers the docker driver when the engine answers at agent start.")
    java.net.URI dockerHost;

    @Option(names = "--subnet", defaultValue = NetworkSettings.DEFAULT_SUBNET, paramLabel = "CIDR",
            description = "This node's subnet: bridge-mode allocations get their addresses from it (default: ${DEFAULT-VALUE}). "
                    + "Every node needs its own.")
    String subnet;

    @Option(names = "--bridge", defaultValue = NetworkSettings.DEFAULT_BRIDGE, paramLabel = "NAME",
            description = "The Linux bridge of bridge-mode allocations (default: ${DEFAULT-VALUE}).")
    String bridge;

    @Option(names = "--cni-config-dir", paramLabel = "DIR",
            description = "Use the operator's CNI network from this directory (its first *.conflist, else *.conf) instead of "
                    + "Gantry's own bridge; --subnet and --bridge then do not apply.")
    Path cniConfigDir;

    @Option(names = "--cni-plugin-dir", paramLabel = "DIR",
            description = "Where CNI plugins are looked up; repeatable (default: /usr/lib/cni, then /opt/cni/bin).")
    List<Path> cniPluginDirs = new java.util.ArrayList<>();

    @Option(names = "--no-docker", description = "Do not offer the docker driver, even when a Docker Engine answers.")
    boolean noDocker;

    AgentDaemon.Config config(List<String> schedulers) {
        String[] range = dynamicPorts.split("-", 2);
        int low, high;
        try {
            low = Integer.parseInt(range[0].trim());
            high = Integer.parseInt(range[1].trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--dynamic-ports: \"" + dynamicPorts + "\" is not a range like 20000-32000");
        }
        if (low < 1 || high > 65535 || low > high) {
            throw new IllegalArgumentException("--dynamic-ports: " + dynamicPorts + " must lie within 1-65535, low before high");
        }
        ImageGcPolicy gc = new ImageGcPolicy(Quantities.parseSize(imageGcMaxSize), duration("--image-gc-max-age", imageGcMaxAge),
                ImageGcPolicy.DEFAULTS.minAge());
        return AgentDaemon.Config.builder(schedulers, dataDir.toAbsolutePath()).nodeName(name).labels(labels)
                .bind(bind, port).advertise(advertise).dynamicPorts(low, high).reserved(0, Quantities.parseSize(reserveMemory))
                .registries(registryConfig != null ? registryConfig : dev.gantry.agent.image.RegistryCredentials.defaultPath(),
                        insecureRegistries)
                .imageGc(gc, duration("--image-gc-interval", imageGcInterval)).network(network()).build();
    }

    private NetworkSettings network() {
        Subnet parsed;
        try {
            parsed = Subnet.parse(subnet);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--subnet: " + e.getMessage());
        }
        try {
            return new NetworkSettings(parsed, bridge, cniConfigDir == null ? null : cniConfigDir.toAbsolutePath(),
                    cniPluginDirs.isEmpty() ? CniPlugins.DEFAULT_DIRS : cniPluginDirs, dataDir.toAbsolutePath().resolve("network"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--bridge: " + e.getMessage());
        }
    }

    private static Duration duration(String option, String text) {
        try {
            var d = Quantities.parseDuration(text);
            Duration out = Duration.ofSeconds(d.getSeconds(), d.getNanos());
            if (out.isNegative()) throw new IllegalArgumentException(text + " is negative");
            return out;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }
}
