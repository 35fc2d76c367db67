package dev.gantry.agent.alloc;

import dev.gantry.agent.image.ImageConfig;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The argv and environment of one task: the image's defaults, the job's env, and the
 * variables Gantry adds (allocation identity, its address as {@code GANTRY_ALLOC_IP}, and every
 * allocated port: {@code GANTRY_PORT_<NAME>} the port the task listens on in its network,
 * {@code GANTRY_HOST_PORT_<NAME>} the node's port mapped to it, {@code GANTRY_ADDR_<NAME>} host IP
 * and host port, where others reach it). {@code ${VAR}} in command and args expands from that environment.
 * Pure.
 */
public final class TaskEnvironment {
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private TaskEnvironment() {
    }

    /** Host networking: the task listens on the host ports themselves, at the host's address. */
    public static Map<String, String> env(ImageConfig image, Task task, Allocation alloc, String nodeName, String hostIp) {
        return env(image, task, alloc, nodeName, hostIp, hostIp, Map.of());
    }

    /**
     * @param allocIp     the allocation's own address (the host IP in host mode)
     * @param insidePorts by port name, the port inside the allocation's network; absent: the host port
     */
    public static Map<String, String> env(ImageConfig image, Task task, Allocation alloc, String nodeName, String hostIp,
                                          String allocIp, Map<String, Integer> insidePorts) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String e : image.env()) {
            int i = e.indexOf('=');
            if (i > 0) env.put(e.substring(0, i), e.substring(i + 1));
        }
        env.put("GANTRY_ALLOC_ID", alloc.getId());
        env.put("GANTRY_ALLOC_INDEX", String.valueOf(alloc.getIndex()));
        env.put("GANTRY_NAMESPACE", alloc.getNamespace());
        env.put("GANTRY_JOB", alloc.getJob());
        env.put("GANTRY_TASK", task.getName());
        env.put("GANTRY_NODE", nodeName);
        env.put("GANTRY_HOST_IP", hostIp);
        env.put("GANTRY_ALLOC_IP", allocIp);
        for (AllocatedPort p : alloc.getPortsList()) {
            String name = p.getName().toUpperCase(Locale.ROOT).replace('-', '_');
            env.put("GANTRY_PORT_" + name, String.valueOf(insidePorts.getOrDefault(p.getName(), p.getValue())));
            env.put("GANTRY_HOST_PORT_" + name, String.valueOf(p.getValue()));
            env.put("GANTRY_ADDR_" + name, hostIp + ":" + p.getValue());
        }
        env.putAll(task.getEnvMap());
        return env;
    }

    /** Docker's rule: the job's command replaces the entrypoint (and drops the image's cmd); its args replace the cmd. */
    public static List<String> argv(ImageConfig image, Task task, Map<String, String> env) {
        List<String> argv = new ArrayList<>();
        if (!task.getCommandList().isEmpty()) {
            argv.addAll(task.getCommandList());
            argv.addAll(task.getArgsList());
        } else {
            argv.addAll(image.entrypoint());
            argv.addAll(task.getArgsList().isEmpty() ? image.cmd() : task.getArgsList());
        }
        return argv.stream().map(a -> expand(a, env)).toList();
    }

    static String expand(String s, Map<String, String> env) {
        Matcher m = VAR.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group(0))));
        }
        m.appendTail(b);
        return b.toString();
    }

    public static List<String> asList(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
