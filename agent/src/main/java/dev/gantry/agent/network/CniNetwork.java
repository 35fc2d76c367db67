package dev.gantry.agent.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Runs a {@link CniConfig}'s plugin chain as the CNI spec says for a list: ADD in order, each
 * plugin getting the previous one's result as {@code prevResult}; CHECK in order and DEL in
 * reverse, both with the cached ADD result; {@code runtimeConfig} carries only what a plugin
 * declares in its {@code capabilities} (portMappings). Thread-safe.
 */
public final class CniNetwork {
    public static final String IFNAME = "eth0";

    private final CniConfig config;
    private final CniPlugins plugins;

    public CniNetwork(CniConfig config, CniPlugins plugins) {
        this.config = config;
        this.plugins = plugins;
    }

    public CniConfig config() {
        return config;
    }

    /** The result of the last plugin; on a failure, the caller must {@link #del} (the spec's rule). */
    public JsonNode add(String containerId, String netns, List<PortMapping> ports) throws NetworkException {
        JsonNode prev = null;
        for (ObjectNode plugin : config.plugins()) {
            prev = plugins.invoke("ADD", containerId, netns, IFNAME, pluginConfig(plugin, prev, ports));
        }
        return prev;
    }

    public void check(String containerId, String netns, JsonNode result, List<PortMapping> ports) throws NetworkException {
        for (ObjectNode plugin : config.plugins()) {
            try {
                plugins.invoke("CHECK", containerId, netns, IFNAME, pluginConfig(plugin, result, ports));
            } catch (NetworkException e) {
                // portmap up to 1.2 checks IPv6 rules it never made for an IPv4-only container
                // (containernetworking/plugins#819): that CHECK says nothing about the network.
                if (plugin.path("type").asText().equals("portmap") && e.getMessage().contains("could not check ipv6")) continue;
                throw e;
            }
        }
    }

    /**
     * Runs every plugin's DEL even when one fails (each removes its own part), then reports the
     * failures together. {@code result} may be null (an ADD that never finished).
     */
    public void del(String containerId, String netns, JsonNode result, List<PortMapping> ports) throws NetworkException {
        List<String> failures = new ArrayList<>();
        List<ObjectNode> reversed = new ArrayList<>(config.plugins());
        java.util.Collections.reverse(reversed);
        for (ObjectNode plugin : reversed) {
            try {
                plugins.invoke("DEL", containerId, netns, IFNAME, pluginConfig(plugin, result, ports));
            } catch (NetworkException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) throw new NetworkException(String.join("; ", failures));
    }

    private ObjectNode pluginConfig(ObjectNode plugin, JsonNode prevResult, List<PortMapping> ports) {
        ObjectNode c = plugin.deepCopy();
        c.put("name", config.name());
        c.put("cniVersion", config.cniVersion());
        c.remove("runtimeConfig");
        if (prevResult != null && !prevResult.isEmpty()) c.set("prevResult", prevResult);
        JsonNode caps = plugin.path("capabilities");
        if (caps.path("portMappings").asBoolean(false)) {
            var mappings = c.putObject("runtimeConfig").putArray("portMappings");
            for (PortMapping p : ports) {
                for (String protocol : List.of("tcp", "udp")) {
                    mappings.addObject().put("hostPort", p.hostPort()).put("containerPort", p.containerPort())
                            .put("protocol", protocol);
                }
            }
        }
        return c;
    }

    /** The allocation's IPv4 address in an ADD result: of the interface inside the namespace when the result says which. */
    public static String address(JsonNode result) {
        if (result == null) return "";
        JsonNode interfaces = result.path("interfaces");
        String fallback = "";
        for (Iterator<JsonNode> it = result.path("ips").elements(); it.hasNext(); ) {
            JsonNode ip = it.next();
            String address = ip.path("address").asText("");
            int slash = address.indexOf('/');
            String bare = slash < 0 ? address : address.substring(0, slash);
            if (!bare.contains(".")) continue; // IPv6
            if (fallback.isEmpty()) fallback = bare;
            if (ip.has("interface") && !interfaces.path(ip.path("interface").asInt()).path("sandbox").asText("").isEmpty()) {
                return bare;
            }
        }
        return fallback;
    }
}
