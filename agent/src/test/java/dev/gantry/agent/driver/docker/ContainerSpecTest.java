package dev.gantry.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.TaskConfig.SecurityOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The task → container mapping: the runc driver's secure defaults, in Docker's terms. */
class ContainerSpecTest {
    private static TaskConfig task(long memory, long cpuMillis, SecurityOptions sec) {
        return TaskConfig.builder().containerId("a1-web").allocationId("a1").taskName("web").image("sha256:0")
                .args(List.of("/bin/serve", "-v")).env(List.of("PORT=8080")).workingDir("/srv").user("app")
                .cpuMillis(cpuMillis).memoryBytes(memory).security(sec).logPath(Path.of("/logs/web.log")).build();
    }

    @Test
    void defaultsDropAllCapabilitiesButTheMinimalSetAndConfine() {
        HostConfig h = ContainerSpec.hostConfig(task(0, 0, SecurityOptions.DEFAULTS), "amd64");
        assertThat(h.getCapDrop()).containsExactly(Capability.ALL);
        assertThat(h.getCapAdd()).containsExactlyInAnyOrder(Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.FSETID,
                Capability.FOWNER, Capability.SETGID, Capability.SETUID, Capability.SETPCAP, Capability.NET_BIND_SERVICE,
                Capability.KILL);
        assertThat(h.getSecurityOpts()).hasSize(2).contains("no-new-privileges:true")
                .anySatisfy(o -> assertThat(o).startsWith("seccomp={").contains("\"unshare\"", "SCMP_ARCH_X86_64"));
        assertThat(h.getNetworkMode()).isEqualTo("host");
        assertThat(h.getReadonlyRootfs()).isFalse();
        assertThat(h.getPidsLimit()).isEqualTo(4096L);
        assertThat(h.getMemory()).isNull();
        assertThat(h.getNanoCPUs()).isNull();
        assertThat(h.getRestartPolicy()).isEqualTo(com.github.dockerjava.api.model.RestartPolicy.noRestart());
    }

    @Test
    void optOutsAreExplicit() {
        var sec = new SecurityOptions(true, List.of("NET_RAW"), List.of("KILL"), true, true);
        HostConfig h = ContainerSpec.hostConfig(task(0, 0, sec), "amd64");
        assertThat(h.getCapAdd()).contains(Capability.NET_RAW).doesNotContain(Capability.KILL);
        assertThat(h.getSecurityOpts()).containsExactly("seccomp=unconfined");
        assertThat(h.getReadonlyRootfs()).isTrue();
    }

    @Test
    void resourcesBecomeMemoryWithoutSwapSharesAndNanoCpus() {
        HostConfig h = ContainerSpec.hostConfig(task(64L << 20, 500, SecurityOptions.DEFAULTS), "amd64");
        assertThat(h.getMemory()).isEqualTo(64L << 20);
        assertThat(h.getMemorySwap()).isEqualTo(64L << 20);
        assertThat(h.getCpuShares()).isEqualTo(512);
        assertThat(h.getNanoCPUs()).isEqualTo(500_000_000L);
    }

    @Test
    void namesAndLabelsIdentifyTheTaskAndTheAgent() {
        assertThat(ContainerSpec.name("a1-web")).isEqualTo("gantry-a1-web");
        assertThat(ContainerSpec.labels(task(0, 0, SecurityOptions.DEFAULTS), "/var/lib/gantry/agent"))
                .containsEntry("dev.gantry.scope", "/var/lib/gantry/agent").containsEntry("dev.gantry.container", "a1-web")
                .containsEntry("dev.gantry.alloc", "a1").containsEntry("dev.gantry.task", "web");
    }

    @Test
    void engineErrorsAreReadable() {
        var e = new com.github.dockerjava.api.exception.ConflictException(
                "Status 409: {\"message\":\"Container abc is not running\"}\n");
        assertThat(Errors.engineMessage(e)).isEqualTo("Container abc is not running");
        assertThat(EngineExec.notFoundAs127(126, "OCI runtime exec failed: exec failed: unable to start container process: "
                + "exec: \"nosuch\": executable file not found in $PATH: unknown")).isEqualTo(127);
        assertThat(EngineExec.notFoundAs127(126, "OCI runtime exec failed: exec: \"/www\": permission denied")).isEqualTo(126);
        assertThat(EngineExec.notFoundAs127(126, "my script says: no such file or directory")).isEqualTo(126);
    }
}
