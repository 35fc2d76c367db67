package dev.gantry.agent.network;

import dev.gantry.api.v1.Network;
import dev.gantry.testing.HostNetworkState;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static dev.gantry.testing.HostNetworkState.httpGet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bridge network on the real CNI plugins, as root: addresses, reachability, port mapping, and nothing left behind. */
class BridgeNetworkIT {
    @TempDir
    Path tmp;

    private String bridgeName;
    private Subnet subnet;
    private BridgeNetwork network;
    private NetworkNamespaces namespaces;

    @BeforeEach
    void setUp() {
        RuntimeRequirements.requireCniHost();
        namespaces = new NetworkNamespaces("ip", tmp.resolve("namespaces"));
        bridgeName = HostNetworkState.randomBridge();
        subnet = Subnet.parse(HostNetworkState.randomSubnet());
        CniConfig config = CniConfig.bridge("gantry-it-" + bridgeName, bridgeName, subnet, tmp.resolve("ipam"));
        network = new BridgeNetwork(namespaces, new CniNetwork(config, new CniPlugins(CniPlugins.DEFAULT_DIRS)), tmp.resolve("cache"));
    }

    @AfterEach
    void removeBridge() throws Exception {
        if (bridgeName != null) HostNetworkState.deleteLink(bridgeName);
    }

    private static NetworkRequest request(PortMapping... ports) {
        return new NetworkRequest(UUID.randomUUID().toString(), Network.Mode.BRIDGE, List.of(ports));
    }

    @Test
    void anAllocationGetsAnAddressReachableDirectlyAndThroughItsHostPortAndLeavesNothingBehind() throws Exception {
        // A first allocation creates what all share (the bridge, the CNI-* chains); leaks are measured after it.
        NetworkRequest warmUp = request(new PortMapping(freePort(), 80));
        network.setUp(warmUp);
        network.tearDown(warmUp);

        int hostPort = freePort();
        NetworkRequest req = request(new PortMapping(hostPort, 8080));
        String name = req.namespaceName();
        List<String> chainsBefore = HostNetworkState.iptablesChains();
        NetworkAttachment a = network.setUp(req);
        try {
            assertThat(subnet.contains(a.address())).as(a.address() + " in " + subnet).isTrue();
            assertThat(a.namespacePath()).isEqualTo(Path.of("/var/run/netns", name));
            assertThat(HostNetworkState.namespaces()).contains(name);
            assertThat(HostNetworkState.reservations(tmp.resolve("ipam"))).containsExactly(a.address());
            assertThat(HostNetworkState.linksOf(bridgeName)).hasSize(1);
            assertThat(HostNetworkState.iptablesRulesMentioning(name, a.address() + "/")).isNotEmpty();
            assertThat(network.setUp(req)).as("set up again (an agent restart): same address").isEqualTo(a);

            HostNetworkState.run("busybox", "ping", "-c", "1", "-W", "3", a.address());
            Process server = serve(name, 8080, "hello from " + name);
            try {
                awaitServing(a.address(), 8080);
                assertThat(httpGet(a.address(), 8080)).contains("hello from " + name);
                assertThat(httpGet("127.0.0.1", hostPort)).as("portmap from the host's loopback").contains("hello from " + name);
                String gateway = a.address().substring(0, a.address().lastIndexOf('.')) + ".1";
                assertThat(httpGet(gateway, hostPort)).as("portmap on a host address").contains("hello from " + name);
            } finally {
                server.destroyForcibly().waitFor();
            }
        } finally {
            network.tearDown(req);
        }
        assertThat(HostNetworkState.namespaces()).doesNotContain(name);
        assertThat(HostNetworkState.linksOf(bridgeName)).isEmpty();
        assertThat(HostNetworkState.reservations(tmp.resolve("ipam"))).isEmpty();
        assertThat(HostNetworkState.iptablesRulesMentioning(name, a.address() + "/", a.address() + ":")).isEmpty();
        assertThat(HostNetworkState.iptablesChains()).containsExactlyInAnyOrderElementsOf(chainsBefore);
        try (var s = Files.list(tmp.resolve("cache"))) {
            assertThat(s.toList()).isEmpty();
        }
        network.tearDown(req); // idempotent
        assertThat(network.names()).isEmpty();
    }

    @Test
    void aFailingPluginFailsTheSetUpWithItsMessageAndLeavesNothingBehind() throws Exception {
        String conflist = """
                {"cniVersion": "0.4.0", "name": "broken", "plugins": [
                  {"type": "bridge", "bridge": "%s", "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.248.0.0/33"}]],
                   "dataDir": "%s"}}]}""".formatted(bridgeName, tmp.resolve("ipam"));
        Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(tmp.resolve("conf/10-broken.conflist"), conflist);
        BridgeNetwork broken = new BridgeNetwork(namespaces,
                new CniNetwork(CniConfig.load(tmp.resolve("conf")), new CniPlugins(CniPlugins.DEFAULT_DIRS)), tmp.resolve("cache"));
        NetworkRequest req = request();
        assertThatThrownBy(() -> broken.setUp(req)).isInstanceOf(NetworkException.class)
                .hasMessageContaining("CNI plugin bridge ADD failed").hasMessageContaining("10.248.0.0/33");
        assertThat(HostNetworkState.namespaces()).doesNotContain(req.namespaceName());
        assertThat(broken.names()).isEmpty();
    }

    @Test
    void aMissingPluginIsNamed() {
        CniPlugins plugins = new CniPlugins(List.of(tmp.resolve("no-plugins-here")));
        assertThat(plugins.missing(CniConfig.bridge("n", "b", subnet, tmp))).containsExactly("bridge", "portmap", "firewall", "loopback");
    }

    /** busybox httpd in the namespace, answering {@code body} (the stand-in for a task). */
    private Process serve(String netns, int port, String body) throws IOException {
        Path root = Files.createDirectories(tmp.resolve("www-" + netns));
        Files.writeString(root.resolve("index.html"), body);
        return new ProcessBuilder("ip", "netns", "exec", netns, "busybox", "httpd", "-f", "-p", String.valueOf(port), "-h", root.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("httpd-" + netns + ".log").toFile()).start();
    }

    static void awaitServing(String host, int port) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                httpGet(host, port);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > until) throw new AssertionError("nothing answers on " + host + ":" + port, e);
                Thread.sleep(50);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
