package dev.gantry.agent.driver.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.TaskConfig.SecurityOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OciSpecTest {
    private static final OciSpec.HostOptions HOST = new OciSpec.HostOptions(true, List.of("/etc/resolv.conf"), "amd64");

    static TaskConfig config(SecurityOptions sec, long cpuMillis, long memoryBytes) {
        return TaskConfig.builder().containerId("c1").allocationId("alloc1").taskName("Web_Server").image("sha256:0")
                .layers(List.of(Path.of("/layers/a"))).args(List.of("/bin/sh", "-c", "true"))
                .env(List.of("GANTRY_PORT_HTTP=8080", "A=b=c")).cpuMillis(cpuMillis).memoryBytes(memoryBytes).security(sec)
                .logPath(Path.of("/logs/c1.log")).build();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void secureDefaults() {
        ObjectNode spec = OciSpec.build(config(SecurityOptions.DEFAULTS, 0, 0), ImageUser.ROOT, HOST);
        JsonNode proc = spec.path("process");
        assertThat(proc.path("terminal").asBoolean(true)).isFalse();
        assertThat(proc.path("noNewPrivileges").asBoolean()).isTrue();
        assertThat(texts(proc.path("args"))).containsExactly("/bin/sh", "-c", "true");
        assertThat(texts(proc.path("env"))).containsExactly(OciSpec.DEFAULT_PATH, "GANTRY_PORT_HTTP=8080", "A=b=c", "HOME=/root");
        assertThat(proc.path("cwd").asText()).isEqualTo("/");
        assertThat(proc.path("user").path("uid").asInt(-1)).isZero();
        List<String> expected = OciSpec.DEFAULT_CAPABILITIES.stream().map(Capability::ociName).toList();
        for (String set : List.of("bounding", "effective", "permitted")) {
            assertThat(texts(proc.path("capabilities").path(set))).containsExactlyInAnyOrderElementsOf(expected);
        }
        assertThat(proc.path("capabilities").has("ambient")).isFalse();
        assertThat(texts(proc.path("capabilities").path("bounding"))).doesNotContain("CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_MKNOD");

        assertThat(spec.path("root").path("readonly").asBoolean(true)).isFalse();
        assertThat(spec.path("hostname").asText()).isEqualTo("web-server");
        JsonNode linux = spec.path("linux");
        assertThat(linux.path("cgroupsPath").asText()).isEqualTo("/gantry/c1");
        assertThat(linux.path("namespaces").findValuesAsText("type")).containsExactly("pid", "ipc", "uts", "mount");
        assertThat(texts(linux.path("maskedPaths"))).contains("/proc/kcore", "/proc/keys", "/sys/firmware");
        assertThat(texts(linux.path("readonlyPaths"))).contains("/proc/sys", "/proc/sysrq-trigger");
        assertThat(linux.path("resources").path("pids").path("limit").asLong()).isEqualTo(4096);
        assertThat(linux.path("resources").has("memory")).isFalse();
        assertThat(linux.path("resources").has("cpu")).isFalse();
        assertThat(linux.path("seccomp").path("defaultAction").asText()).isEqualTo("SCMP_ACT_ALLOW");
        assertThat(texts(linux.path("seccomp").path("architectures"))).containsExactly("SCMP_ARCH_X86_64");
        assertThat(texts(linux.path("seccomp").path("syscalls").get(0).path("names")))
                .contains("mount", "umount2", "kexec_load", "reboot", "init_module", "bpf", "keyctl", "unshare", "setns", "ptrace");

        assertThat(spec.path("mounts").findValuesAsText("destination"))
                .containsExactly("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/etc/resolv.conf");
        JsonNode sys = spec.path("mounts").get(5);
        assertThat(texts(sys.path("options"))).contains("ro");
        assertThat(texts(spec.path("mounts").get(6).path("options"))).contains("rbind", "ro");
    }

    @Test
    void resourcesFromConfig() {
        JsonNode r = OciSpec.build(config(SecurityOptions.DEFAULTS, 500, 64L << 20), ImageUser.ROOT, HOST)
                .path("linux").path("resources");
        assertThat(r.path("memory").path("limit").asLong()).isEqualTo(64L << 20);
        assertThat(r.path("memory").path("swap").asLong()).isEqualTo(64L << 20);
        assertThat(r.path("cpu").path("shares").asLong()).isEqualTo(512);
        assertThat(r.path("cpu").path("quota").asLong()).isEqualTo(50_000);
        assertThat(r.path("cpu").path("period").asLong()).isEqualTo(100_000);

        var noSwap = new OciSpec.HostOptions(false, List.of(), "amd64");
        JsonNode r2 = OciSpec.build(config(SecurityOptions.DEFAULTS, 1, 1 << 20), ImageUser.ROOT, noSwap)
                .path("linux").path("resources");
        assertThat(r2.path("memory").has("swap")).isFalse();
        assertThat(r2.path("cpu").path("quota").asLong()).isEqualTo(1000); // the kernel's minimum
        assertThat(r2.path("cpu").path("shares").asLong()).isEqualTo(2);
    }

    @Test
    void optOutsAreExplicit() {
        var sec = new SecurityOptions(true, List.of("net_raw", "CAP_SYS_ADMIN"), List.of("KILL"), true, true);
        ObjectNode spec = OciSpec.build(config(sec, 0, 0), ImageUser.ROOT, HOST);
        assertThat(spec.path("root").path("readonly").asBoolean()).isTrue();
        assertThat(spec.path("process").path("noNewPrivileges").asBoolean(true)).isFalse();
        assertThat(spec.path("linux").has("seccomp")).isFalse();
        assertThat(texts(spec.path("process").path("capabilities").path("effective")))
                .contains("CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_CHOWN").doesNotContain("CAP_KILL");
    }

    @Test
    void allKeywordInAddAndDrop() {
        assertThat(OciSpec.effectiveCapabilities(new SecurityOptions(false, List.of(), List.of("ALL"), false, false))).isEmpty();
        assertThat(OciSpec.effectiveCapabilities(new SecurityOptions(false, List.of("NET_BIND_SERVICE"), List.of("all"), false, false)))
                .containsExactly(Capability.NET_BIND_SERVICE);
        assertThat(OciSpec.effectiveCapabilities(new SecurityOptions(false, List.of("ALL"), List.of(), false, false)))
                .hasSize(Capability.values().length);
        assertThatThrownBy(() -> OciSpec.effectiveCapabilities(new SecurityOptions(false, List.of("FLY"), List.of(), false, false)))
                .hasMessageContaining("unknown capability: FLY");
    }

    @Test
    void nonRootGetsOnlyAddedCapabilitiesAsAmbient() {
        var sec = new SecurityOptions(false, List.of("NET_BIND_SERVICE"), List.of(), false, false);
        JsonNode caps = OciSpec.build(config(sec, 0, 0), new ImageUser(1000, 1000, "/home/app"), HOST)
                .path("process").path("capabilities");
        assertThat(texts(caps.path("ambient"))).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(texts(caps.path("inheritable"))).containsExactly("CAP_NET_BIND_SERVICE");
        JsonNode plain = OciSpec.build(config(SecurityOptions.DEFAULTS, 0, 0), new ImageUser(1000, 1000, "/"), HOST)
                .path("process").path("capabilities");
        assertThat(plain.path("ambient")).isEmpty();
    }

    @Test
    void seccompDeniesNamespaceCloneFlagsAndFallsBackFromClone3() {
        JsonNode rules = SeccompProfile.build("aarch64").path("syscalls");
        assertThat(SeccompProfile.build("aarch64").path("architectures").get(0).asText()).isEqualTo("SCMP_ARCH_AARCH64");
        List<JsonNode> clone = new ArrayList<>();
        rules.forEach(r -> { if (texts(r.path("names")).equals(List.of("clone"))) clone.add(r); });
        assertThat(clone).hasSize(7).allSatisfy(r -> {
            assertThat(r.path("args").get(0).path("op").asText()).isEqualTo("SCMP_CMP_MASKED_EQ");
            assertThat(r.path("args").get(0).path("value").asLong()).isEqualTo(r.path("args").get(0).path("valueTwo").asLong());
        });
        assertThat(rules.get(1).path("errnoRet").asInt()).isEqualTo(38);
    }

    @Test
    void hostnameFallsBackToContainerId() {
        var cfg = TaskConfig.builder().containerId("abc").allocationId("a").taskName("---").image("sha256:0")
                .layers(List.of(Path.of("/l"))).args(List.of("x")).env(List.of("PATH=/bin")).workingDir("/w").security(null)
                .logPath(Path.of("/l.log")).build();
        ObjectNode spec = OciSpec.build(cfg, ImageUser.ROOT, HOST);
        assertThat(spec.path("hostname").asText()).isEqualTo("abc");
        assertThat(texts(spec.path("process").path("env"))).containsExactly("PATH=/bin", "HOME=/root");
        assertThat(spec.path("process").path("cwd").asText()).isEqualTo("/w");
    }

    @Test
    void capabilityMaskMatchesKernelBits() {
        assertThat(Capability.mask(OciSpec.DEFAULT_CAPABILITIES)).isEqualTo(0x5fbL);
        assertThat(Capability.CHECKPOINT_RESTORE.bit()).isEqualTo(40);
        assertThat(Capability.parse("cap_sys_admin")).isEqualTo(Capability.SYS_ADMIN);
    }

    @Test
    void aTaskInItsAllocationsNetworkJoinsTheNamedNamespaceAndGetsItsOwnHostsFile() {
        TaskConfig cfg = config(SecurityOptions.DEFAULTS, 0, 0).toBuilder()
                .network(new TaskConfig.NetworkJoin(Path.of("/var/run/netns/gantry-a1"), "10.244.0.7")).build();
        OciSpec.HostOptions host = new OciSpec.HostOptions(true, List.of("/etc/resolv.conf", "/etc/hosts"), "amd64");
        ObjectNode spec = OciSpec.build(cfg, ImageUser.ROOT, host, Path.of("/bundle/hosts"));
        List<String> namespaces = new ArrayList<>();
        spec.path("linux").path("namespaces").forEach(n -> namespaces.add(n.path("type").asText() + ":" + n.path("path").asText()));
        assertThat(namespaces).containsExactly("pid:", "ipc:", "uts:", "mount:", "network:/var/run/netns/gantry-a1");
        List<String> mounts = new ArrayList<>();
        spec.path("mounts").forEach(m -> mounts.add(m.path("destination").asText() + "<-" + m.path("source").asText()));
        assertThat(mounts).contains("/etc/resolv.conf<-/etc/resolv.conf", "/etc/hosts<-/bundle/hosts").doesNotContain("/etc/hosts<-/etc/hosts");
        assertThat(OciSpec.hostsFile(cfg)).contains("127.0.0.1\tlocalhost\n").endsWith("10.244.0.7\tweb-server\n");

        ObjectNode hostNet = OciSpec.build(config(SecurityOptions.DEFAULTS, 0, 0), ImageUser.ROOT, host);
        List<String> hostNamespaces = new ArrayList<>();
        hostNet.path("linux").path("namespaces").forEach(n -> hostNamespaces.add(n.path("type").asText()));
        assertThat(hostNamespaces).as("host mode: the node's network").doesNotContain("network");
    }
}
