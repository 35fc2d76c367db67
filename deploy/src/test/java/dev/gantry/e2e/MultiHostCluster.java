package dev.gantry.e2e;

import dev.gantry.testing.EtcdServer;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster of separate hosts on this machine: a real etcd and scheduler processes on the host,
 * each agent in its own Docker container with its own address ({@link AgentHost}). Any part
 * can be killed, paused or (agents) cut off the network and restored.
 */
final class MultiHostCluster implements AutoCloseable {
    final Path dir;
    final EtcdServer etcd;
    final List<Process> schedulers = new ArrayList<>();
    final List<Integer> grpcPorts = new ArrayList<>();
    final List<Integer> httpPorts = new ArrayList<>();
    final List<AgentHost> agents = new ArrayList<>();
    /** Each scheduler reaches etcd through its own link, so that one replica can be cut off from etcd alone. */
    final List<TcpLink> etcdLinks = new ArrayList<>();
    private final String prefix = "/gantry-multihost-" + Long.toHexString(System.nanoTime()) + "/";
    private final String gateway;
    private String nodeTtl;

    private MultiHostCluster(Path dir, EtcdServer etcd, String gateway) {
        this.dir = dir;
        this.etcd = etcd;
        this.gateway = gateway;
    }

    static MultiHostCluster start(Path dir, int schedulerCount, int agentCount, String nodeTtl) throws Exception {
        HostContainers.removeLeftovers();
        AgentHost.buildImage();
        String gateway = bridgeGateway();   // before etcd starts: a failure here leaves no etcd running until the JVM exits
        MultiHostCluster c = new MultiHostCluster(dir, EtcdServer.startPrivateForTest(), gateway);   // private: the tests pause it
        c.nodeTtl = nodeTtl;
        try {
            for (int i = 0; i < schedulerCount; i++) {
                c.grpcPorts.add(Gantry.freePort());
                c.httpPorts.add(Gantry.freePort());
                URI etcdUrl = URI.create(c.etcd.endpoints().get(0));
                c.etcdLinks.add(new TcpLink(etcdUrl.getHost(), etcdUrl.getPort()));
                c.schedulers.add(c.startScheduler(i, nodeTtl));
            }
            Path dist = Gantry.home().getParent().getParent();
            for (int i = 0; i < agentCount; i++) {
                AgentHost a = new AgentHost("host-" + i, dir.resolve("host-" + i), dir,
                        List.of("--scheduler", c.agentAddresses(), "--join", Gantry.joinToken(c.addresses()),
                                "--dynamic-ports", "30000-30100", "--no-docker",
                                "--label", "host=host-" + i));
                c.agents.add(a);
                a.start(dist);
            }
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    private Process startScheduler(int i, String nodeTtl) throws IOException {
        return Gantry.start(dir.resolve("scheduler-" + i + ".log"), "scheduler", "--etcd", etcdLinks.get(i).endpoint(),
                "--prefix", prefix, "--bind", "0.0.0.0", "--port", String.valueOf(grpcPorts.get(i)),
                "--http-port", String.valueOf(httpPorts.get(i)), "--node-ttl", nodeTtl, "--leader-ttl", "2s");
    }

    /** For the CLI on this machine. */
    String addresses() {
        return String.join(",", grpcPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    }

    /** For the agents: the schedulers as seen from Docker's bridge. */
    String agentAddresses() {
        return String.join(",", grpcPorts.stream().map(p -> gateway + ":" + p).toList());
    }

    /** The replica whose health endpoint says "leader", or -1. */
    int leader() {
        for (int i = 0; i < httpPorts.size(); i++) {
            if (!schedulers.get(i).isAlive()) continue;
            try {
                String h = Gantry.healthz(httpPorts.get(i), 1000);
                if (h.startsWith("200 ") && h.contains("leader")) return i;
            } catch (IOException e) {
                // a paused or dead replica: not the leader as far as anyone can tell
            }
        }
        return -1;
    }

    String health(int i) {
        try {
            return Gantry.healthz(httpPorts.get(i), 3000);
        } catch (IOException e) {
            return "unreachable: " + e;
        }
    }

    /** Starts replica {@code i} again on its ports (after a kill). */
    void restartScheduler(int i) throws IOException {
        schedulers.set(i, startScheduler(i, nodeTtl));
    }

    void signalScheduler(int i, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(schedulers.get(i).pid())).inheritIO().start();
        if (kill.waitFor() != 0) throw new IOException("kill -" + signal + " failed");
    }

    String logs() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < schedulers.size(); i++) {
            b.append("\n--- scheduler ").append(i).append('\n').append(Gantry.logOf(dir.resolve("scheduler-" + i + ".log")));
        }
        for (AgentHost a : agents) b.append("\n--- ").append(a.name).append('\n').append(a.log());
        return b.toString();
    }

    /** This machine's address on Docker's bridge ({@link DockerBridge}), printed with where it came from. */
    private static String bridgeGateway() throws IOException, InterruptedException {
        DockerBridge.Gateway g = DockerBridge.gateway();
        System.out.println("multi-host cluster: schedulers reached from the hosts at " + g.address() + " (" + g.source() + ")");
        return g.address();
    }

    @Override
    public void close() throws Exception {
        for (AgentHost a : agents) {
            try {
                a.remove();
            } catch (IOException e) {
                // already gone
            }
        }
        for (Process s : schedulers) {
            new ProcessBuilder("kill", "-CONT", String.valueOf(s.pid())).start().waitFor();
            Gantry.stop(s, java.time.Duration.ofSeconds(10));
        }
        for (TcpLink l : etcdLinks) l.close();
        etcd.close();
        // The directory (logs, agents' data) stays for a post-mortem; it is under the temp dir.
    }
}
