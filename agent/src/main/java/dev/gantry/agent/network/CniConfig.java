package dev.gantry.agent.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A CNI network configuration list: a name, a spec version and the plugins to chain, each a
 * JSON object with at least {@code type} (the plugin's binary name). Immutable.
 */
public record CniConfig(String name, String cniVersion, List<ObjectNode> plugins) {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A plugin type is a file name in the plugin directories, never a path. */
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** The spec version of the list Gantry writes itself; Debian 12's plugins (1.1.1) support 0.1.0 to 1.0.0. */
    public static final String VERSION = "0.4.0";

    public CniConfig {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a CNI network needs a name");
        if (cniVersion == null || cniVersion.isBlank()) throw new IllegalArgumentException("a CNI network needs a cniVersion");
        if (plugins.isEmpty()) throw new IllegalArgumentException("CNI network " + name + " has no plugins");
        for (ObjectNode p : plugins) {
            String type = p.path("type").asText("");
            if (!TYPE.matcher(type).matches()) {
                throw new IllegalArgumentException("CNI network " + name + ": plugin type \"" + type + "\" is not a plugin name");
            }
        }
        plugins = plugins.stream().map(ObjectNode::deepCopy).toList();
    }

    public List<String> types() {
        return plugins.stream().map(p -> p.path("type").asText()).toList();
    }

    /**
     * Gantry's own network: a bridge that is the gateway of {@code subnet} and masquerades what
     * leaves it, host-local addresses from {@code subnet} (reservations under {@code ipamDir}),
     * host ports forwarded by portmap (also from the node itself), firewall rules that let the
     * bridge's traffic through a FORWARD policy of DROP (as Docker sets), and loopback.
     */
    public static CniConfig bridge(String networkName, String bridgeName, Subnet subnet, Path ipamDir) {
        ObjectNode bridge = JSON.createObjectNode();
        bridge.put("type", "bridge");
        bridge.put("bridge", bridgeName);
        bridge.put("isGateway", true);
        bridge.put("ipMasq", true);
        bridge.put("hairpinMode", true);
        ObjectNode ipam = bridge.putObject("ipam");
        ipam.put("type", "host-local");
        ipam.putArray("ranges").addArray().addObject().put("subnet", subnet.toString());
        ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
        ipam.put("dataDir", ipamDir.toAbsolutePath().toString());
        ObjectNode portmap = JSON.createObjectNode();
        portmap.put("type", "portmap");
        portmap.putObject("capabilities").put("portMappings", true);
        portmap.put("snat", true);
        ObjectNode firewall = JSON.createObjectNode();
        firewall.put("type", "firewall");
        ObjectNode loopback = JSON.createObjectNode();
        loopback.put("type", "loopback");
        return new CniConfig(networkName, VERSION, List.of(bridge, portmap, firewall, loopback));
    }

    /** Reads a conflist document (or a single-plugin .conf, as libcni does). */
    public static CniConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + " is not JSON: " + e.getOriginalMessage());
        }
        if (!(root instanceof ObjectNode obj)) throw new IllegalArgumentException(source + " is not a JSON object");
        List<ObjectNode> plugins = new ArrayList<>();
        if (obj.has("plugins")) {
            for (JsonNode p : obj.path("plugins")) {
                if (!(p instanceof ObjectNode po)) throw new IllegalArgumentException(source + ": every plugin must be an object");
                plugins.add(po);
            }
        } else {
            ObjectNode single = obj.deepCopy();
            single.remove(List.of("name", "cniVersion"));
            plugins.add(single);
        }
        try {
            return new CniConfig(obj.path("name").asText(""), obj.path("cniVersion").asText(""), plugins);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage());
        }
    }

    /**
     * The operator's network in {@code dir}: the first {@code *.conflist}, else the first
     * {@code *.conf}, in name order (libcni's rule).
     */
    public static CniConfig load(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (String ext : List.of(".conflist", ".conf", ".json")) {
            for (Path f : files) {
                if (f.getFileName().toString().endsWith(ext)) return parse(Files.readString(f), f.toString());
            }
        }
        throw new IOException("no CNI network configuration (*.conflist, *.conf) in " + dir);
    }
}
