package dev.gantry.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link DockerBridge} picks the host's address on Docker's bridge, without Docker. */
class DockerBridgeTest {
    /** What Docker 20.10 printed on a machine where the Gateway field is missing (trimmed). */
    private static final String NO_GATEWAY = """
            [
                {
                    "Name": "bridge",
                    "Driver": "bridge",
                    "EnableIPv6": false,
                    "IPAM": {"Driver": "default", "Options": null, "Config": [{"Subnet": "172.17.0.0/16"}]},
                    "Options": {
                        "com.docker.network.bridge.default_bridge": "true",
                        "com.docker.network.bridge.name": "docker0",
                        "com.docker.network.driver.mtu": "1500"
                    }
                }
            ]
            """;

    private final List<String> asked = new ArrayList<>();

    private Function<String, List<InetAddress>> interfaces(Map<String, List<String>> byName) {
        return name -> {
            asked.add(name);
            return byName.getOrDefault(name, List.of()).stream().map(DockerBridgeTest::literal).toList();
        };
    }

    @Test
    void theGatewayFieldWinsAndNoInterfaceIsAsked() throws IOException {
        String json = NO_GATEWAY.replace("{\"Subnet\": \"172.17.0.0/16\"}", "{\"Subnet\": \"172.17.0.0/16\", \"Gateway\": \"172.17.0.1\"}");
        DockerBridge.Gateway g = DockerBridge.choose(json, interfaces(Map.of("docker0", List.of("10.9.9.9"))));
        assertThat(g.address()).isEqualTo("172.17.0.1");
        assertThat(g.source()).contains("Gateway field");
        assertThat(asked).isEmpty();
    }

    @Test
    void withoutTheGatewayFieldTheBridgeInterfacesAddressIsTaken() throws IOException {
        DockerBridge.Gateway g = DockerBridge.choose(NO_GATEWAY,
                interfaces(Map.of("docker0", List.of("fe80::42:acff:fe11:1", "172.17.0.1"))));
        assertThat(g.address()).isEqualTo("172.17.0.1");
        assertThat(g.source()).contains("interface docker0");
        assertThat(asked).containsExactly("docker0");
    }

    @Test
    void theInterfaceIsTheOneTheNetworkNames() throws IOException {
        String json = NO_GATEWAY.replace("\"com.docker.network.bridge.name\": \"docker0\"", "\"com.docker.network.bridge.name\": \"br-gantry\"")
                .replace("172.17.0.0/16", "10.200.0.0/24");
        DockerBridge.Gateway g = DockerBridge.choose(json, interfaces(Map.of("br-gantry", List.of("10.200.0.1"),
                "docker0", List.of("172.17.0.1"))));
        assertThat(g.address()).isEqualTo("10.200.0.1");
        assertThat(asked).containsExactly("br-gantry");
    }

    @Test
    void withoutTheNameOptionTheInterfaceIsDocker0() throws IOException {
        String json = NO_GATEWAY.replace("\"com.docker.network.bridge.name\": \"docker0\",", "");
        assertThat(DockerBridge.choose(json, interfaces(Map.of("docker0", List.of("172.17.0.1")))).address()).isEqualTo("172.17.0.1");
        assertThat(asked).containsExactly("docker0");
    }

    @Test
    void ofSeveralInterfaceAddressesTheOneInTheSubnetIsTaken() throws IOException {
        DockerBridge.Gateway g = DockerBridge.choose(NO_GATEWAY,
                interfaces(Map.of("docker0", List.of("192.168.5.1", "172.17.0.1"))));
        assertThat(g.address()).isEqualTo("172.17.0.1");
    }

    @Test
    void withNeitherTheFieldNorTheInterfaceTheSubnetsFirstHostIsTaken() throws IOException {
        DockerBridge.Gateway g = DockerBridge.choose(NO_GATEWAY, interfaces(Map.of()));
        assertThat(g.address()).isEqualTo("172.17.0.1");
        assertThat(g.source()).contains("first host address of subnet 172.17.0.0/16");
    }

    @Test
    void anIpv6ConfigBeforeTheIpv4OneIsPassedOver() throws IOException {
        String json = NO_GATEWAY.replace("[{\"Subnet\": \"172.17.0.0/16\"}]",
                "[{\"Subnet\": \"fd00:dead:beef::/48\", \"Gateway\": \"fd00:dead:beef::1\"}, {\"Subnet\": \"172.18.0.0/16\", \"Gateway\": \"172.18.0.1\"}]");
        assertThat(DockerBridge.choose(json, interfaces(Map.of())).address()).isEqualTo("172.18.0.1");

        String noGateways = NO_GATEWAY.replace("[{\"Subnet\": \"172.17.0.0/16\"}]",
                "[{\"Subnet\": \"fd00:dead:beef::/48\"}, {\"Subnet\": \"172.18.0.0/16\"}]");
        assertThat(DockerBridge.choose(noGateways, interfaces(Map.of())).address()).isEqualTo("172.18.0.1");
    }

    @Test
    void anEmptyOrNullGatewayCountsAsMissingAndAPrefixLengthIsDropped() throws IOException {
        String empty = NO_GATEWAY.replace("{\"Subnet\": \"172.17.0.0/16\"}", "{\"Subnet\": \"172.17.0.0/16\", \"Gateway\": \"\"}");
        assertThat(DockerBridge.choose(empty, interfaces(Map.of())).source()).contains("first host address");
        String nul = NO_GATEWAY.replace("{\"Subnet\": \"172.17.0.0/16\"}", "{\"Subnet\": \"172.17.0.0/16\", \"Gateway\": null}");
        assertThat(DockerBridge.choose(nul, interfaces(Map.of())).source()).contains("first host address");
        String cidr = NO_GATEWAY.replace("{\"Subnet\": \"172.17.0.0/16\"}", "{\"Subnet\": \"172.17.0.0/16\", \"Gateway\": \"172.17.0.1/16\"}");
        assertThat(DockerBridge.choose(cidr, interfaces(Map.of())).address()).isEqualTo("172.17.0.1");
    }

    @Test
    void aSingleNetworkObjectIsReadLikeTheArray() throws IOException {
        String object = NO_GATEWAY.strip();
        object = object.substring(1, object.length() - 1);
        assertThat(DockerBridge.choose(object, interfaces(Map.of("docker0", List.of("172.17.0.1")))).address()).isEqualTo("172.17.0.1");
    }

    @Test
    void nothingToGoOnFailsNamingWhatWasTried() {
        String json = NO_GATEWAY.replace("[{\"Subnet\": \"172.17.0.0/16\"}]", "[]");
        assertThatThrownBy(() -> DockerBridge.choose(json, interfaces(Map.of())))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot find Docker's bridge gateway")
                .hasMessageContaining("interface docker0");
        assertThatThrownBy(() -> DockerBridge.choose("[]", interfaces(Map.of()))).isInstanceOf(IOException.class);
    }

    @Test
    void firstHostMasksTheSubnetAndRefusesTinyOnes() {
        assertThat(DockerBridge.firstHost("172.17.0.0/16")).contains("172.17.0.1");
        assertThat(DockerBridge.firstHost("172.17.3.9/16")).contains("172.17.0.1");
        assertThat(DockerBridge.firstHost("10.0.0.0/8")).contains("10.0.0.1");
        assertThat(DockerBridge.firstHost("192.168.10.0/30")).contains("192.168.10.1");
        assertThat(DockerBridge.firstHost("192.168.10.0/31")).isEmpty();
        assertThat(DockerBridge.firstHost("192.168.10.7/32")).isEmpty();
        assertThat(DockerBridge.firstHost("fd00::/64")).isEmpty();
        assertThat(DockerBridge.firstHost("garbage")).isEmpty();
    }

    private static InetAddress literal(String address) {
        try {
            return InetAddress.getByName(address);   // an address literal: no resolver involved
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }
}
