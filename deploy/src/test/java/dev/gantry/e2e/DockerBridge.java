package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The address of this machine on Docker's default bridge network: what a container on that
 * network connects to in order to reach a server on the host. {@code docker network inspect
 * bridge} does not always say: on some engines its IPAM config lists the subnet and no
 * {@code Gateway}. So, in order: the {@code Gateway} field; else the IPv4 address of the
 * bridge's Linux interface (its name in the network's option {@value #BRIDGE_NAME_OPTION},
 * {@code docker0} by default), the one inside the subnet if there are several; else the
 * subnet's first host address, which is what Docker gives its bridge unless told otherwise.
 */
final class DockerBridge {
    static final String NETWORK = "bridge";
    static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";
    static final String DEFAULT_INTERFACE = "docker0";

    /** The chosen address and where it came from (for logs: a wrong guess should be easy to see). */
    record Gateway(String address, String source) {
    }

    private DockerBridge() {
    }

    /** Asks the engine ({@code docker network inspect bridge}) and this machine's interfaces. */
    static Gateway gateway() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("docker", "network", "inspect", NETWORK).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("docker network inspect " + NETWORK + " did not answer within 30 s");
        }
        if (p.exitValue() != 0) throw new IOException("docker network inspect " + NETWORK + " failed: " + out);
        return choose(out, DockerBridge::interfaceAddresses);
    }

    /**
     * The pure part: picks the gateway from {@code docker network inspect} output (an array of one
     * network, or the network object itself) and the addresses of a named interface (empty when
     * there is no such interface).
     */
    static Gateway choose(String inspectJson, Function<String, List<InetAddress>> interfaceAddresses) throws IOException {
        JsonNode network = new ObjectMapper().readTree(inspectJson);
        if (network != null && network.isArray()) network = network.size() == 1 ? network.get(0) : null;
        if (network == null || !network.isObject()) {
            throw new IOException("cannot find Docker's bridge gateway: not one network in: " + inspectJson);
        }
        // The first IPv4 entry: with IPv6 enabled the config also lists an IPv6 subnet, in no promised order.
        String subnet = null;
        String gatewayField = null;
        for (JsonNode config : network.path("IPAM").path("Config")) {
            String s = config.path("Subnet").asText("");
            String g = stripPrefixLength(config.path("Gateway").asText(""));
            if (!g.isEmpty() && isIpv4(g)) {
                gatewayField = g;
                subnet = s;
                break;
            }
            if (subnet == null && isIpv4Cidr(s)) subnet = s;
        }
        if (gatewayField != null) return new Gateway(gatewayField, "the Gateway field of network " + NETWORK);

        String name = network.path("Options").path(BRIDGE_NAME_OPTION).asText("");
        if (name.isEmpty()) name = DEFAULT_INTERFACE;
        List<Inet4Address> v4 = new ArrayList<>();
        for (InetAddress a : interfaceAddresses.apply(name)) if (a instanceof Inet4Address i4) v4.add(i4);
        if (!v4.isEmpty()) {
            Inet4Address pick = v4.get(0);
            if (subnet != null) {
                for (Inet4Address a : v4) {
                    if (inSubnet(a, subnet)) {
                        pick = a;
                        break;
                    }
                }
            }
            return new Gateway(pick.getHostAddress(), "the address of interface " + name + " (no Gateway field)");
        }

        if (subnet != null) {
            Optional<String> first = firstHost(subnet);
            if (first.isPresent()) {
                return new Gateway(first.get(), "the first host address of subnet " + subnet
                        + " (no Gateway field, no IPv4 address on interface " + name + ")");
            }
        }
        throw new IOException("cannot find Docker's bridge gateway: no Gateway field, no IPv4 address on interface " + name
                + ", no usable IPv4 subnet in: " + inspectJson);
    }

    /** This machine's addresses on interface {@code name}; empty when it has no such interface. */
    static List<InetAddress> interfaceAddresses(String name) {
        try {
            NetworkInterface nif = NetworkInterface.getByName(name);
            return nif == null ? List.of() : Collections.list(nif.getInetAddresses());
        } catch (SocketException e) {
            return List.of();
        }
    }

    /** The first host address of an IPv4 subnet (network address + 1), if it has one (not /31, /32). */
    static Optional<String> firstHost(String cidr) {
        if (!isIpv4Cidr(cidr)) return Optional.empty();
        int slash = cidr.indexOf('/');
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        if (prefix > 30) return Optional.empty();
        long network = toLong(cidr.substring(0, slash)) & mask(prefix);
        return Optional.of(fromLong(network + 1));
    }

    private static boolean inSubnet(Inet4Address a, String cidr) {
        if (!isIpv4Cidr(cidr)) return false;
        int slash = cidr.indexOf('/');
        long mask = mask(Integer.parseInt(cidr.substring(slash + 1)));
        return (toLong(a.getHostAddress()) & mask) == (toLong(cidr.substring(0, slash)) & mask);
    }

    private static String stripPrefixLength(String address) {
        int slash = address.indexOf('/');
        return slash < 0 ? address.trim() : address.substring(0, slash).trim();
    }

    private static boolean isIpv4Cidr(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0 || !isIpv4(cidr.substring(0, slash))) return false;
        try {
            int prefix = Integer.parseInt(cidr.substring(slash + 1));
            return prefix >= 0 && prefix <= 32;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return false;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) return false;
            if (Integer.parseInt(part) > 255) return false;
        }
        return true;
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    private static long toLong(String ipv4) {
        long v = 0;
        for (String part : ipv4.split("\\.")) v = (v << 8) | Integer.parseInt(part);
        return v;
    }

    private static String fromLong(long v) {
        return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
    }
}
