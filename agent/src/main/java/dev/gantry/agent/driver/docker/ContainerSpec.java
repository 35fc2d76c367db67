package dev.gantry.agent.driver.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.runc.Capability;
import dev.gantry.agent.driver.runc.OciSpec;
import dev.gantry.agent.driver.runc.SeccompProfile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a task becomes a Docker container: name, labels, command and the same secure defaults as
 * the runc driver ({@link OciSpec}): capabilities dropped to {@link OciSpec#DEFAULT_CAPABILITIES}
 * plus/minus the job's, no-new-privileges, Gantry's {@link SeccompProfile} (Docker reads the same
 * JSON), optional read-only rootfs, memory without swap, CPU shares and quota, a pids limit, host
 * network. Docker differs in one point: a non-root user gets no effective capabilities at all
 * (runc: the explicitly added ones, as ambient). Pure: no I/O.
 */
final class ContainerSpec {
    /** The agent (driver scope) a container belongs to: only its own are listed and removed. */
    static final String LABEL_SCOPE = "dev.gantry.scope";
    static final String LABEL_CONTAINER = "dev.gantry.container";
    static final String LABEL_ALLOC = "dev.gantry.alloc";
    static final String LABEL_TASK = "dev.gantry.task";
    static final String NAME_PREFIX = "gantry-";
    /** Docker's own copy of the logs (the agent keeps the real one); bounded so it cannot fill the disk. */
    static final Map<String, String> ENGINE_LOG_LIMITS = Map.of("max-size", "16m", "max-file", "1");

    private ContainerSpec() {
    }

    static String name(String containerId) {
        return NAME_PREFIX + containerId;
    }

    static Map<String, String> labels(TaskConfig cfg, String scope) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_SCOPE, scope);
        labels.put(LABEL_CONTAINER, cfg.containerId());
        labels.put(LABEL_ALLOC, cfg.allocationId() == null ? "" : cfg.allocationId());
        labels.put(LABEL_TASK, cfg.taskName() == null ? "" : cfg.taskName());
        return labels;
    }

    /** Fills a create command: the argv is the whole command (entrypoint), so the image's cmd never sneaks in. */
    static CreateContainerCmd apply(CreateContainerCmd cmd, TaskConfig cfg, String scope, String osArch) {
        cmd.withName(name(cfg.containerId()))
                .withLabels(labels(cfg, scope))
                .withEntrypoint(cfg.args())
                .withCmd(List.of())
                .withEnv(cfg.env())
                .withAttachStdin(false).withStdinOpen(false).withTty(false)
                .withHostConfig(hostConfig(cfg, osArch));
        if (cfg.workingDir() != null && !cfg.workingDir().isBlank()) cmd.withWorkingDir(cfg.workingDir());
        if (cfg.user() != null && !cfg.user().isBlank()) cmd.withUser(cfg.user());
        return cmd;
    }

    static HostConfig hostConfig(TaskConfig cfg, String osArch) {
        TaskConfig.SecurityOptions sec = cfg.security() == null ? TaskConfig.SecurityOptions.DEFAULTS : cfg.security();
        HostConfig h = HostConfig.newHostConfig()
                .withNetworkMode("host")
                .withRestartPolicy(RestartPolicy.noRestart())   // restarts are the agent's decision
                .withCapDrop(com.github.dockerjava.api.model.Capability.ALL)
                .withCapAdd(capabilities(OciSpec.effectiveCapabilities(sec)))
                .withSecurityOpts(securityOpts(sec, osArch))
                .withReadonlyRootfs(sec.readOnlyRootfs())
                .withPidsLimit(OciSpec.PIDS_LIMIT)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE, ENGINE_LOG_LIMITS));
        if (cfg.memoryBytes() > 0) h.withMemory(cfg.memoryBytes()).withMemorySwap(cfg.memoryBytes());
        if (cfg.cpuMillis() > 0) {
            h.withCpuShares((int) Math.max(2, cfg.cpuMillis() * 1024 / 1000))
                    .withNanoCPUs(cfg.cpuMillis() * 1_000_000);
        }
        return h;
    }

    static List<String> securityOpts(TaskConfig.SecurityOptions sec, String osArch) {
        List<String> opts = new ArrayList<>();
        if (!sec.allowPrivilegeEscalation()) opts.add("no-new-privileges:true");
        opts.add("seccomp=" + (sec.unconfinedSeccomp() ? "unconfined" : SeccompProfile.build(osArch).toString()));
        return opts;
    }

    private static com.github.dockerjava.api.model.Capability[] capabilities(Set<Capability> caps) {
        return caps.stream().map(c -> com.github.dockerjava.api.model.Capability.valueOf(c.name()))
                .toArray(com.github.dockerjava.api.model.Capability[]::new);
    }
}
