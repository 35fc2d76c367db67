package dev.gantry.agent.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Executes CNI plugins as the CNI spec says: the operation in {@code CNI_*} environment variables,
 * the network configuration on stdin, the result (or an error object) as JSON on stdout.
 */
public final class CniPlugins {
    public static final List<Path> DEFAULT_DIRS = List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** What plugins may call: iptables, ip, modprobe... (never the agent's own PATH, which may be odd). */
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final List<Path> dirs;

    public CniPlugins(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
    }

    public Optional<Path> find(String type) {
        return dirs.stream().map(d -> d.resolve(type)).filter(Files::isExecutable).findFirst();
    }

    /** The plugin types of {@code config} that are not installed; empty when the network can be used. */
    public List<String> missing(CniConfig config) {
        return config.types().stream().distinct().filter(t -> find(t).isEmpty()).toList();
    }

    /**
     * Runs one plugin.
     *
     * @param netns the namespace path; empty for a DEL whose namespace is gone (the spec allows it)
     * @return the plugin's result; an empty object for DEL and CHECK, which print nothing
     */
    public JsonNode invoke(String command, String containerId, String netns, String ifName, ObjectNode config)
            throws NetworkException {
        String type = config.path("type").asText();
        Path binary = find(type).orElseThrow(() -> new NetworkException("CNI plugin " + type + " is not installed (looked in "
                + dirs.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", netns);
        env.put("CNI_IFNAME", ifName);
        env.put("CNI_PATH", dirs.stream().map(Path::toString).collect(Collectors.joining(":")));
        env.put("PATH", PATH);
        byte[] stdin;
        try {
            stdin = CniConfig.JSON.writeValueAsBytes(config);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
        Command.Result r = Command.run(List.of(binary.toString()), env, stdin, TIMEOUT);
        if (r.exitCode() != 0) throw new NetworkException(describeFailure(type, command, r));
        if (r.stdout().isBlank()) return CniConfig.JSON.createObjectNode();
        try {
            return CniConfig.JSON.readTree(r.stdout());
        } catch (IOException e) {
            throw new NetworkException("CNI plugin " + type + " " + command + " printed a result that is not JSON: "
                    + abbreviate(r.stdout()));
        }
    }

    /** The spec's error object ({@code code}, {@code msg}, {@code details}) when there is one, else what the plugin printed. */
    static String describeFailure(String type, String command, Command.Result r) {
        String head = "CNI plugin " + type + " " + command + " failed";
        try {
            JsonNode err = CniConfig.JSON.readTree(r.stdout().isBlank() ? r.stderr() : r.stdout());
            if (err != null && err.hasNonNull("msg")) {
                List<String> parts = new ArrayList<>();
                parts.add(err.path("msg").asText());
                if (!err.path("details").asText("").isBlank()) parts.add(err.path("details").asText());
                return head + " (code " + err.path("code").asInt() + "): " + String.join(": ", parts);
            }
        } catch (IOException notJson) {
            // fall through to the raw output
        }
        String output = (r.stdout() + " " + r.stderr()).strip();
        return head + " (exit " + r.exitCode() + ")" + (output.isEmpty() ? "" : ": " + abbreviate(output));
    }

    private static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() > 500 ? one.substring(0, 500) + "..." : one;
    }

}
