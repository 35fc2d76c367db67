package dev.gantry.agent.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CNI calling convention, against fake plugins (shell scripts) that record what they were
 * given: environment, stdin, order; and answer with a result or a spec error object.
 */
class CniNetworkTest {
    @TempDir
    Path dir;

    private Path log;

    @BeforeEach
    void setUp() {
        log = dir.resolve("calls.log");
    }

    /** A plugin that logs "type COMMAND containerid netns ifname path" and its stdin, then prints {@code output} and exits {@code exit}. */
    private void plugin(String type, String output, int exit) throws IOException {
        Path p = dir.resolve("plugins").resolve(type);
        Files.createDirectories(p.getParent());
        Files.writeString(p, """
                #!/bin/sh
                echo "%s $CNI_COMMAND $CNI_CONTAINERID $CNI_NETNS $CNI_IFNAME $CNI_PATH" >> %s
                cat >> %s
                echo >> %s
                printf '%%s' '%s'
                exit %d
                """.formatted(type, log, log, log, output, exit));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private CniNetwork network(String... types) {
        List<ObjectNode> plugins = new java.util.ArrayList<>();
        for (String t : types) {
            ObjectNode n = CniConfig.JSON.createObjectNode().put("type", t);
            if (t.equals("ports")) n.putObject("capabilities").put("portMappings", true);
            plugins.add(n);
        }
        return new CniNetwork(new CniConfig("testnet", "0.4.0", plugins), new CniPlugins(List.of(dir.resolve("plugins"))));
    }

    private List<String> calls() throws IOException {
        return Files.readAllLines(log);
    }

    private static final String RESULT = """
            {"cniVersion":"0.4.0","interfaces":[{"name":"br0"},{"name":"eth0","sandbox":"/var/run/netns/x"}],\
            "ips":[{"version":"4","address":"10.244.0.9/24","gateway":"10.244.0.1","interface":1}]}""";

    @Test
    void addRunsThePluginsInOrderPassingEachResultOnAndPortMappingsOnlyToThoseThatAskForThem() throws Exception {
        plugin("main", RESULT, 0);
        plugin("ports", RESULT, 0);
        JsonNode result = network("main", "ports").add("gantry-a1", "/var/run/netns/gantry-a1", List.of(new PortMapping(20000, 6379)));
        assertThat(CniNetwork.address(result)).isEqualTo("10.244.0.9");
        List<String> calls = calls();
        assertThat(calls.get(0)).isEqualTo("main ADD gantry-a1 /var/run/netns/gantry-a1 eth0 " + dir.resolve("plugins"));
        JsonNode mainConfig = CniConfig.JSON.readTree(calls.get(1));
        assertThat(mainConfig.path("name").asText()).isEqualTo("testnet");
        assertThat(mainConfig.path("cniVersion").asText()).isEqualTo("0.4.0");
        assertThat(mainConfig.has("prevResult")).isFalse();
        assertThat(mainConfig.has("runtimeConfig")).isFalse();
        assertThat(calls.get(2)).startsWith("ports ADD gantry-a1");
        JsonNode portsConfig = CniConfig.JSON.readTree(calls.get(3));
        assertThat(portsConfig.at("/prevResult/ips/0/address").asText()).isEqualTo("10.244.0.9/24");
        assertThat(portsConfig.at("/runtimeConfig/portMappings").toString()).isEqualTo(
                "[{\"hostPort\":20000,\"containerPort\":6379,\"protocol\":\"tcp\"},"
                        + "{\"hostPort\":20000,\"containerPort\":6379,\"protocol\":\"udp\"}]");
    }

    @Test
    void delRunsInReverseWithTheCachedResultAndEveryPluginEvenAfterAFailure() throws Exception {
        plugin("main", "", 0);
        plugin("ports", "{\"cniVersion\":\"0.4.0\",\"code\":999,\"msg\":\"iptables busy\",\"details\":\"try again\"}", 1);
        JsonNode cached = CniConfig.JSON.readTree(RESULT);
        assertThatThrownBy(() -> network("main", "ports").del("gantry-a1", "", cached, List.of()))
                .isInstanceOf(NetworkException.class)
                .hasMessage("CNI plugin ports DEL failed (code 999): iptables busy: try again");
        List<String> calls = calls();
        assertThat(calls.get(0)).isEqualTo("ports DEL gantry-a1  eth0 " + dir.resolve("plugins"));
        assertThat(calls.get(2)).startsWith("main DEL gantry-a1");
        assertThat(CniConfig.JSON.readTree(calls.get(3)).at("/prevResult/ips/0/address").asText()).isEqualTo("10.244.0.9/24");
    }

    @Test
    void aPluginsErrorObjectOrElseItsOutputIsTheMessage() throws Exception {
        plugin("main", "{\"code\":11,\"msg\":\"no IP addresses available in range set\"}", 1);
        assertThatThrownBy(() -> network("main").add("c", "/n", List.of()))
                .hasMessage("CNI plugin main ADD failed (code 11): no IP addresses available in range set");
        plugin("main", "segfault", 2);
        assertThatThrownBy(() -> network("main").add("c", "/n", List.of()))
                .hasMessage("CNI plugin main ADD failed (exit 2): segfault");
        assertThatThrownBy(() -> network("absent").add("c", "/n", List.of()))
                .hasMessageStartingWith("CNI plugin absent is not installed");
    }

    @Test
    void theAddressIsTheOneInsideTheNamespace() throws Exception {
        JsonNode twoIps = CniConfig.JSON.readTree("""
                {"interfaces":[{"name":"br0"},{"name":"eth0","sandbox":"/n"}],
                 "ips":[{"address":"fd00::5/64","interface":1},{"address":"10.0.9.1/24","interface":0},{"address":"10.0.9.5/24","interface":1}]}""");
        assertThat(CniNetwork.address(twoIps)).isEqualTo("10.0.9.5");
        assertThat(CniNetwork.address(CniConfig.JSON.readTree("{\"ips\":[{\"address\":\"10.1.0.3/16\"}]}"))).isEqualTo("10.1.0.3");
        assertThat(CniNetwork.address(CniConfig.JSON.createObjectNode())).isEmpty();
    }
}
