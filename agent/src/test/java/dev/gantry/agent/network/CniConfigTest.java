package dev.gantry.agent.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CniConfigTest {
    @TempDir
    Path dir;

    @Test
    void gantrysOwnNetworkChainsBridgePortmapFirewallAndLoopbackOverTheNodeSubnet() {
        CniConfig c = CniConfig.bridge("gantry", "gantry0", Subnet.parse("10.244.3.0/24"), Path.of("/var/lib/gantry/agent/network/ipam"));
        assertThat(c.types()).containsExactly("bridge", "portmap", "firewall", "loopback");
        ObjectNode bridge = c.plugins().get(0);
        assertThat(bridge.path("bridge").asText()).isEqualTo("gantry0");
        assertThat(bridge.path("isGateway").asBoolean()).isTrue();
        assertThat(bridge.path("ipMasq").asBoolean()).isTrue();
        assertThat(bridge.path("hairpinMode").asBoolean()).isTrue();
        assertThat(bridge.at("/ipam/type").asText()).isEqualTo("host-local");
        assertThat(bridge.at("/ipam/ranges/0/0/subnet").asText()).isEqualTo("10.244.3.0/24");
        assertThat(bridge.at("/ipam/dataDir").asText()).isEqualTo("/var/lib/gantry/agent/network/ipam");
        assertThat(c.plugins().get(1).at("/capabilities/portMappings").asBoolean()).isTrue();
    }

    @Test
    void anOperatorsConflistIsTheFirstInNameOrderElseASingleConf() throws Exception {
        Files.writeString(dir.resolve("20-other.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"other\",\"plugins\":[{\"type\":\"ptp\"}]}");
        Files.writeString(dir.resolve("10-mine.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"mine\",\"plugins\":[{\"type\":\"macvlan\"},{\"type\":\"tuning\"}]}");
        Files.writeString(dir.resolve("05-single.conf"), "{\"cniVersion\":\"0.4.0\",\"name\":\"single\",\"type\":\"bridge\"}");
        CniConfig c = CniConfig.load(dir);
        assertThat(c.name()).isEqualTo("mine");
        assertThat(c.types()).containsExactly("macvlan", "tuning");
        Files.delete(dir.resolve("10-mine.conflist"));
        Files.delete(dir.resolve("20-other.conflist"));
        CniConfig single = CniConfig.load(dir);
        assertThat(single.name()).isEqualTo("single");
        assertThat(single.types()).containsExactly("bridge");
        assertThat(single.plugins().get(0).has("name")).isFalse();
    }

    @Test
    void rejectsWhatCannotBeRun() {
        assertThatThrownBy(() -> CniConfig.parse("{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[{\"type\":\"../../bin/sh\"}]}", "f"))
                .hasMessage("f: CNI network x: plugin type \"../../bin/sh\" is not a plugin name");
        assertThatThrownBy(() -> CniConfig.parse("{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[]}", "f"))
                .hasMessage("f: CNI network x has no plugins");
        assertThatThrownBy(() -> CniConfig.parse("{\"name\":\"x\",\"type\":\"bridge\"}", "f"))
                .hasMessage("f: a CNI network needs a cniVersion");
        assertThatThrownBy(() -> CniConfig.parse("[1]", "f")).hasMessage("f is not a JSON object");
        assertThatThrownBy(() -> CniConfig.load(dir)).hasMessageStartingWith("no CNI network configuration");
    }

    @Test
    void subnetsAreIpv4NetworksWithoutHostBits() {
        Subnet s = Subnet.parse("10.244.7.0/24");
        assertThat(s).hasToString("10.244.7.0/24");
        assertThat(s.contains("10.244.7.200")).isTrue();
        assertThat(s.contains("10.244.8.1")).isFalse();
        assertThatThrownBy(() -> Subnet.parse("10.244.7.1/24")).hasMessageContaining("has host bits set; the network is 10.244.7.0/24");
        assertThatThrownBy(() -> Subnet.parse("10.244.7.0")).hasMessageContaining("is not an IPv4 CIDR");
        assertThatThrownBy(() -> Subnet.parse("10.300.0.0/16")).hasMessageContaining("300 > 255");
        assertThatThrownBy(() -> Subnet.parse("10.0.0.0/31")).hasMessageContaining("between /8 and /30");
    }

    @Test
    void namespaceNamesComeFromTheAllocationId() {
        assertThat(NetworkRequest.namespaceName("3F2A9C1E-77B0-4C1D-9E2F-0123456789AB")).isEqualTo("gantry-3f2a9c1e77b04c1d9e2f");
        assertThatThrownBy(() -> NetworkRequest.namespaceName("--")).isInstanceOf(IllegalArgumentException.class);
    }
}
