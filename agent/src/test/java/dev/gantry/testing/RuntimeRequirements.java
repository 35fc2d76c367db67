package dev.gantry.testing;

import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.docker.DockerDriver;
import dev.gantry.agent.driver.runc.RuncDriver;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Under CI=true a missing requirement fails the test (DESIGN.md §7); elsewhere it skips with what is missing. */
public final class RuntimeRequirements {
    private RuntimeRequirements() {
    }

    public static void requireRuncHost() {
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) missing.add("root (running as " + System.getProperty("user.name") + ")");
        if (!Files.isExecutable(RuncDriver.locate("runc", RuncDriver.DEFAULT_RUNC))) missing.add("runc");
        if (!Files.isExecutable(RuncDriver.locate("conmon", RuncDriver.DEFAULT_CONMON))) missing.add("conmon");
        if (!Files.isExecutable(Path.of("/bin/busybox"))) missing.add("/bin/busybox (busybox-static)");
        if (!Files.isDirectory(Path.of("/sys/fs/cgroup/memory"))) missing.add("cgroup v1 memory controller at /sys/fs/cgroup/memory");
        if (missing.isEmpty()) return;
        String msg = "runc integration tests need: " + String.join(", ", missing);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg);
        assumeTrue(false, msg);
    }

    /** The standard CNI plugins Gantry's bridge network runs, and what they and the tests call. */
    public static final List<String> CNI_PLUGINS = List.of("bridge", "host-local", "portmap", "firewall", "loopback");

    /** Root, iproute2, iptables, the CNI plugins in /usr/lib/cni (containernetworking-plugins) and busybox-static. */
    public static void requireCniHost() {
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) missing.add("root (running as " + System.getProperty("user.name") + ")");
        for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/iptables", "/usr/sbin/iptables-save", "/bin/busybox")) {
            if (!Files.isExecutable(Path.of(tool))) missing.add(tool);
        }
        for (String plugin : CNI_PLUGINS) {
            if (!Files.isExecutable(Path.of("/usr/lib/cni", plugin))) missing.add("/usr/lib/cni/" + plugin + " (containernetworking-plugins)");
        }
        if (missing.isEmpty()) return;
        String msg = "CNI integration tests need: " + String.join(", ", missing);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg);
        assumeTrue(false, msg);
    }

    /**
     * A Docker Engine that answers on {@link #dockerHost()}: deploy/scripts/start-dockerd.sh starts one.
     * Also busybox-static, of which the test images are built.
     */
    public static void requireDockerEngine() {
        List<String> missing = new ArrayList<>();
        try (DockerDriver d = new DockerDriver(dockerHost(), "requirements", null)) {
            d.fingerprint();
        } catch (DriverException e) {
            missing.add("a Docker Engine at " + dockerHost() + " (deploy/scripts/start-dockerd.sh starts one): " + e.getMessage());
        }
        if (!Files.isExecutable(Path.of("/bin/busybox"))) missing.add("/bin/busybox (busybox-static)");
        if (missing.isEmpty()) return;
        String msg = "docker integration tests need: " + String.join(", ", missing);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg);
        assumeTrue(false, msg);
    }

    /** $DOCKER_HOST when it names a unix socket or tcp, else the default socket. */
    public static URI dockerHost() {
        String env = System.getenv("DOCKER_HOST");
        if (env != null && (env.startsWith("unix://") || env.startsWith("tcp://"))) return URI.create(env);
        return DockerDriver.DEFAULT_HOST;
    }
}
