package dev.gantry.agent.driver;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a driver needs to start one task. The image is already resolved: {@code layers}
 * are read-only directories, lowest first, that the driver stacks (overlay) into a rootfs; a
 * driver that keeps its own images ({@link DriverImages}) gets no layers and runs {@code image}.
 *
 * @param containerId unique on the node, safe as a file name and a runc id
 * @param image       the resolved image's digest ({@link dev.gantry.agent.image.Image#manifestDigest()}):
 *                    for a {@link DriverImages} driver the image ID it returned, for runc informational
 * @param args        the full argv (image entrypoint/cmd already merged with the job's command/args)
 * @param env         the full environment, KEY=VALUE
 * @param cpuMillis   CPU share in millicores, 0: unlimited
 * @param memoryBytes memory limit, 0: unlimited
 * @param logPath     where stdout/stderr go (Kubernetes log format)
 * @param network     the network namespace the task joins ({@link NetworkJoin#HOST}: the node's own)
 *
 * <p>Build it with {@link #builder()}: a new field then changes no caller that does not set it.
 */
public record TaskConfig(
        String containerId,
        String allocationId,
        String taskName,
        String image,
        List<Path> layers,
        List<String> args,
        List<String> env,
        String workingDir,
        String user,
        long cpuMillis,
        long memoryBytes,
        SecurityOptions security,
        Path logPath,
        NetworkJoin network) {

    public TaskConfig {
        network = network == null ? NetworkJoin.HOST : network;
        layers = List.copyOf(layers);
        args = List.copyOf(args);
        env = List.copyOf(env);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().containerId(containerId).allocationId(allocationId).taskName(taskName).image(image)
                .layers(layers).args(args).env(env).workingDir(workingDir).user(user).cpuMillis(cpuMillis)
                .memoryBytes(memoryBytes).security(security).logPath(logPath).network(network);
    }

    /** Unset fields are empty: no layers, args or env, no limits, the secure defaults, no working dir or user. */
    public static final class Builder {
        private String containerId;
        private String allocationId;
        private String taskName;
        private String image = "";
        private List<Path> layers = List.of();
        private List<String> args = List.of();
        private List<String> env = List.of();
        private String workingDir = "";
        private String user = "";
        private long cpuMillis;
        private long memoryBytes;
        private SecurityOptions security = SecurityOptions.DEFAULTS;
        private Path logPath;
        private NetworkJoin network = NetworkJoin.HOST;

        private Builder() {
        }

        public Builder containerId(String v) { containerId = v; return this; }
        public Builder allocationId(String v) { allocationId = v; return this; }
        public Builder taskName(String v) { taskName = v; return this; }
        public Builder image(String v) { image = v; return this; }
        public Builder layers(List<Path> v) { layers = v; return this; }
        public Builder args(List<String> v) { args = v; return this; }
        public Builder env(List<String> v) { env = v; return this; }
        public Builder workingDir(String v) { workingDir = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder cpuMillis(long v) { cpuMillis = v; return this; }
        public Builder memoryBytes(long v) { memoryBytes = v; return this; }
        public Builder security(SecurityOptions v) { security = v; return this; }
        public Builder logPath(Path v) { logPath = v; return this; }
        public Builder network(NetworkJoin v) { network = v; return this; }

        public TaskConfig build() {
            return new TaskConfig(containerId, allocationId, taskName, image, layers, args, env, workingDir, user,
                    cpuMillis, memoryBytes, security, logPath, network);
        }
    }

    /**
     * The allocation's network namespace, shared by all its tasks and made before they start (the
     * driver neither creates nor removes it).
     *
     * @param namespacePath a named namespace (/var/run/netns/NAME) to join; null: the node's own
     * @param address       the allocation's address in it, for /etc/hosts; empty when it has none (loopback only)
     */
    public record NetworkJoin(Path namespacePath, String address) {
        public static final NetworkJoin HOST = new NetworkJoin(null, "");

        public NetworkJoin {
            address = address == null ? "" : address;
        }

        public boolean isolated() {
            return namespacePath != null;
        }
    }

    /** Opt-outs from the secure defaults; the defaults are all false/empty. */
    public record SecurityOptions(
            boolean readOnlyRootfs,
            List<String> capabilitiesAdd,
            List<String> capabilitiesDrop,
            boolean allowPrivilegeEscalation,
            boolean unconfinedSeccomp) {
        public static final SecurityOptions DEFAULTS = new SecurityOptions(false, List.of(), List.of(), false, false);

        public SecurityOptions {
            capabilitiesAdd = List.copyOf(capabilitiesAdd);
            capabilitiesDrop = List.copyOf(capabilitiesDrop);
        }
    }

    public static Map<String, String> envMap(List<String> env) {
        var m = new java.util.LinkedHashMap<String, String>();
        for (String e : env) {
            int i = e.indexOf('=');
            if (i > 0) m.put(e.substring(0, i), e.substring(i + 1));
        }
        return m;
    }
}
