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
        Path logPath) {

    public TaskConfig {
        layers = List.copyOf(layers);
        args = List.copyOf(args);
        env = List.copyOf(env);
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
