package dev.gantry.agent.driver.runc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.agent.driver.TaskConfig;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Builds a task's OCI runtime spec (config.json) with Gantry's secure defaults. Pure: no I/O.
 *
 * <p>Defaults, each an explicit opt-out in the job's security options:
 * <ul>
 *   <li>capabilities: {@link #DEFAULT_CAPABILITIES}, Docker's default set without AUDIT_WRITE,
 *       MKNOD, NET_RAW, SETFCAP and SYS_CHROOT; then {@code capabilitiesAdd} minus
 *       {@code capabilitiesDrop} ("ALL" allowed in both). A non-root user keeps only the
 *       explicitly added capabilities, as ambient ones: the default set is for root.</li>
 *   <li>noNewPrivileges unless allowPrivilegeEscalation;</li>
 *   <li>masked and read-only kernel paths as runc's own default spec (plus powercap);</li>
 *   <li>{@link SeccompProfile} unless unconfinedSeccomp;</li>
 *   <li>cgroup limits: memory (swap = memory, so no swap), CPU shares and quota, pids.</li>
 * </ul>
 * Namespaces: pid, ipc, uts, mount, and network when the task joins its allocation's named
 * namespace ({@link TaskConfig.NetworkJoin}); otherwise the network is the host's.
 */
public final class OciSpec {
    public static final Set<Capability> DEFAULT_CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.FSETID, Capability.FOWNER,
            Capability.SETGID, Capability.SETUID, Capability.SETPCAP, Capability.NET_BIND_SERVICE,
            Capability.KILL));
    public static final long PIDS_LIMIT = 4096;
    public static final long CPU_PERIOD_US = 100_000;
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");
    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    /**
     * Host facts that shape the spec.
     * @param swapLimitSupported whether the memory cgroup accepts a swap limit (v1 memsw files)
     * @param hostFilesReadOnly  host files (e.g. /etc/resolv.conf, /etc/hosts) bind-mounted read-only at the same path
     * @param osArch             the JVM's os.arch, for the seccomp architecture
     */
    public record HostOptions(boolean swapLimitSupported, List<String> hostFilesReadOnly, String osArch) {
        public HostOptions {
            hostFilesReadOnly = List.copyOf(hostFilesReadOnly);
        }
    }

    private OciSpec() {
    }

    public static String cgroupsPath(String containerId) {
        return "/gantry/" + containerId;
    }

    public static ObjectNode build(TaskConfig cfg, ImageUser user, HostOptions host) {
        return build(cfg, user, host, null);
    }

    /**
     * @param hostsFile the container's own /etc/hosts (its hostname on its own address), mounted
     *                  in place of the host's; null: the host's, as in host networking
     */
    public static ObjectNode build(TaskConfig cfg, ImageUser user, HostOptions host, java.nio.file.Path hostsFile) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        TaskConfig.SecurityOptions sec = cfg.security() == null ? TaskConfig.SecurityOptions.DEFAULTS : cfg.security();
        ObjectNode spec = f.objectNode();
        spec.put("ociVersion", "1.0.2");

        ObjectNode process = spec.putObject("process");
        process.put("terminal", false);
        ObjectNode u = process.putObject("user");
        u.put("uid", user.uid());
        u.put("gid", user.gid());
        ArrayNode args = process.putArray("args");
        cfg.args().forEach(args::add);
        ArrayNode env = process.putArray("env");
        environment(cfg.env(), user).forEach(env::add);
        process.put("cwd", cfg.workingDir() == null || cfg.workingDir().isBlank() ? "/" : cfg.workingDir());
        capabilities(process.putObject("capabilities"), effectiveCapabilities(sec), user.uid() != 0, sec);
        // No rlimits: tasks inherit the agent's (as Docker's inherit dockerd's). Raising a hard limit
        // needs CAP_SYS_RESOURCE, which hosts (and nested agents) may not have.
        process.put("noNewPrivileges", !sec.allowPrivilegeEscalation());

        ObjectNode root = spec.putObject("root");
        root.put("path", "rootfs");
        root.put("readonly", sec.readOnlyRootfs());
        spec.put("hostname", hostname(cfg));
        mounts(spec.putArray("mounts"), host, hostsFile);

        ObjectNode linux = spec.putObject("linux");
        linux.put("cgroupsPath", cgroupsPath(cfg.containerId()));
        resources(linux.putObject("resources"), cfg, host);
        ArrayNode ns = linux.putArray("namespaces");
        for (String t : List.of("pid", "ipc", "uts", "mount")) ns.addObject().put("type", t);
        if (cfg.network().isolated()) {
            ns.addObject().put("type", "network").put("path", cfg.network().namespacePath().toString());
        }
        MASKED_PATHS.forEach(linux.putArray("maskedPaths")::add);
        READONLY_PATHS.forEach(linux.putArray("readonlyPaths")::add);
        if (!sec.unconfinedSeccomp()) linux.set("seccomp", SeccompProfile.build(host.osArch()));
        return spec;
    }

    /** The capability set before the root/non-root split: defaults + add - drop. */
    public static Set<Capability> effectiveCapabilities(TaskConfig.SecurityOptions sec) {
        EnumSet<Capability> caps = EnumSet.noneOf(Capability.class);
        if (!containsAll(sec.capabilitiesDrop())) caps.addAll(DEFAULT_CAPABILITIES);
        if (containsAll(sec.capabilitiesAdd())) caps.addAll(EnumSet.allOf(Capability.class));
        else sec.capabilitiesAdd().forEach(c -> caps.add(Capability.parse(c)));
        for (String c : sec.capabilitiesDrop()) {
            if (!isAll(c)) caps.remove(Capability.parse(c));
        }
        return caps;
    }

    private static void capabilities(ObjectNode node, Set<Capability> caps, boolean nonRoot,
                                     TaskConfig.SecurityOptions sec) {
        List<String> names = caps.stream().map(Capability::ociName).toList();
        for (String set : List.of("bounding", "effective", "permitted")) names.forEach(node.putArray(set)::add);
        if (nonRoot) {
            // Only explicitly added capabilities survive exec as a non-root user, via the ambient set.
            EnumSet<Capability> ambient = EnumSet.noneOf(Capability.class);
            for (String c : sec.capabilitiesAdd()) {
                if (isAll(c)) ambient.addAll(caps);
                else ambient.add(Capability.parse(c));
            }
            ambient.retainAll(caps);
            List<String> a = ambient.stream().map(Capability::ociName).toList();
            a.forEach(node.putArray("inheritable")::add);
            a.forEach(node.putArray("ambient")::add);
        }
    }

    private static List<String> environment(List<String> env, ImageUser user) {
        List<String> out = new ArrayList<>(env);
        var keys = TaskConfig.envMap(env).keySet();
        if (!keys.contains("PATH")) out.add(0, DEFAULT_PATH);
        if (!keys.contains("HOME") && user.home() != null) out.add("HOME=" + user.home());
        return out;
    }

    /** The task name as a DNS label, else the container id (trimmed to 63 characters). */
    static String hostname(TaskConfig cfg) {
        String name = cfg.taskName() == null ? "" : cfg.taskName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        name = name.replaceAll("^-+|-+$", "");
        if (name.isEmpty()) name = cfg.containerId();
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    /** The /etc/hosts of a task in its own network: localhost, and its hostname on its address (or loopback). */
    public static String hostsFile(TaskConfig cfg) {
        String address = cfg.network().address().isEmpty() ? "127.0.1.1" : cfg.network().address();
        return "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + address + "\t" + hostname(cfg) + "\n";
    }

    private static void mounts(ArrayNode m, HostOptions host, java.nio.file.Path hostsFile) {
        mount(m, "/proc", "proc", "proc");
        mount(m, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(m, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(m, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(m, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(m, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        for (String file : host.hostFilesReadOnly()) {
            if (file.equals("/etc/hosts") && hostsFile != null) continue;
            mount(m, file, "bind", file, "rbind", "ro", "nosuid", "nodev", "noexec");
        }
        if (hostsFile != null) mount(m, "/etc/hosts", "bind", hostsFile.toString(), "rbind", "ro", "nosuid", "nodev", "noexec");
    }

    private static void mount(ArrayNode m, String dest, String type, String source, String... options) {
        ObjectNode n = m.addObject();
        n.put("destination", dest);
        n.put("type", type);
        n.put("source", source);
        if (options.length > 0) {
            ArrayNode o = n.putArray("options");
            for (String opt : options) o.add(opt);
        }
    }

    private static void resources(ObjectNode r, TaskConfig cfg, HostOptions host) {
        ObjectNode dev = r.putArray("devices").addObject();
        dev.put("allow", false);
        dev.put("access", "rwm");
        if (cfg.memoryBytes() > 0) {
            ObjectNode mem = r.putObject("memory");
            mem.put("limit", cfg.memoryBytes());
            if (host.swapLimitSupported()) mem.put("swap", cfg.memoryBytes());
        }
        if (cfg.cpuMillis() > 0) {
            ObjectNode cpu = r.putObject("cpu");
            cpu.put("shares", Math.max(2, cfg.cpuMillis() * 1024 / 1000));
            cpu.put("quota", Math.max(1000, cfg.cpuMillis() * CPU_PERIOD_US / 1000));
            cpu.put("period", CPU_PERIOD_US);
        }
        r.putObject("pids").put("limit", PIDS_LIMIT);
    }

    private static boolean containsAll(List<String> caps) {
        return caps.stream().anyMatch(OciSpec::isAll);
    }

    private static boolean isAll(String c) {
        return c.trim().equalsIgnoreCase("ALL");
    }
}
