package dev.gantry.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * `deploy/scripts/cluster.sh`: the fault tests' multi-host harness as a cluster to try by
 * hand: etcd, three scheduler replicas and N agents, each agent in its own container with
 * its own address. Runs until interrupted, then removes the containers.
 */
public final class LocalCluster {
    private LocalCluster() {
    }

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path dir = Files.createTempDirectory("gantry-cluster");
        MultiHostCluster cluster = MultiHostCluster.start(dir, 3, agents, "10s");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("stopping the cluster");
            try {
                cluster.close();
            } catch (Exception e) {
                System.err.println("cleanup failed: " + e);
            }
            stopped.countDown();
        }));
        System.out.println("cluster up: 3 schedulers, " + agents + " agent hosts (logs and data in " + dir + ")");
        Gantry.Credentials creds = Gantry.credentials(cluster.addresses());
        System.out.println("  export GANTRY_ADDR=" + cluster.addresses());
        System.out.println("  export GANTRY_CA_CERT=" + creds.ca());
        System.out.println("  export GANTRY_TOKEN=" + creds.token() + "   # a management token");
        System.out.println("  gantry nodes");
        System.out.println("  image archives must lie under " + dir + " (every host sees it, read-only, at the same path),"
                + " or come from a registry the hosts reach");
        for (AgentHost h : cluster.agents) System.out.println("  host " + h.name + ": docker ps --filter name=" + h.name);
        System.out.println("Ctrl-C stops it.");
        stopped.await();
    }
}
