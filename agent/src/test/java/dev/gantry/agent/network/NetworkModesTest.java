package dev.gantry.agent.network;

import dev.gantry.api.v1.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkModesTest {
    @TempDir
    Path dir;

    @Test
    void withoutThePluginsBridgeModeIsUnavailableAndSaysWhyWhileHostModeWorks() throws Exception {
        NetworkModes modes = NetworkModes.create(new NetworkSettings(Subnet.parse("10.244.0.0/24"), "gantry0", null,
                List.of(dir.resolve("no-plugins")), dir.resolve("network")));
        assertThat(modes.bridgeUnavailable()).matches(".*(CNI plugins missing: bridge, portmap, firewall, loopback|needs root).*");
        assertThatThrownBy(() -> modes.setUp(new NetworkRequest("a1", Network.Mode.BRIDGE, List.of())))
                .isInstanceOf(NetworkException.class)
                .hasMessageStartingWith("bridge mode is not available on this node: ");
        assertThat(modes.setUp(new NetworkRequest("a1", Network.Mode.HOST, List.of()))).isEqualTo(NetworkAttachment.HOST);
        assertThat(modes.removeOrphans(java.util.Set.of())).isEmpty();
    }

    @Test
    void anUnreadableOperatorConfigMakesBridgeModeUnavailable() {
        NetworkModes modes = NetworkModes.create(new NetworkSettings(Subnet.parse("10.244.0.0/24"), "gantry0", dir.resolve("empty"),
                CniPlugins.DEFAULT_DIRS, dir.resolve("network")));
        assertThat(modes.bridgeUnavailable()).startsWith("cannot read the CNI configuration: ");
    }

    @Test
    void aRequestNeedsAResolvedMode() {
        assertThatThrownBy(() -> new NetworkRequest("a1", Network.Mode.MODE_UNSPECIFIED, List.of()))
                .hasMessageContaining("resolve the network mode first");
        assertThatThrownBy(() -> new PortMapping(0, 80)).hasMessageContaining("1-65535");
    }
}
