package dev.gantry.e2e;

import dev.gantry.agent.connect.SchedulerConnection;
import dev.gantry.agent.network.dns.CatalogFeed;
import dev.gantry.agent.network.dns.DnsServer;
import dev.gantry.agent.network.dns.ServiceCatalog;
import dev.gantry.api.transport.Transport;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import dev.gantry.bench.DnsBenchmark;
import dev.gantry.scheduler.testing.InProcessScheduler;
import dev.gantry.scheduler.testing.ScriptedAgent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Service names end to end, on loopback: the scheduler's ready-replica catalog travels over the
 * agent stream into an agent's DNS server, and a replica's readiness shows in DNS answers.
 * Prints how long a replica that turned unready stayed in the answers (issue 13: within 1 s).
 */
class ServiceNamesTest {
    private static void report(ScriptedAgent agent, Assignment a, boolean ready) {
        agent.report(a, ClientStatus.CLIENT_RUNNING, Map.of("web", TaskState.newBuilder()
                .setStatus(TaskStatus.TASK_RUNNING).setHealthy(ready).build()));
    }

    /** The answer count of an A query, or -1 for NXDOMAIN (a lost datagram is asked again). */
    private static int answers(DatagramSocket socket, String name) throws IOException {
        byte[] q = DnsBenchmark.query(name, 1);
        byte[] in = new byte[1500];
        for (int attempt = 0; ; attempt++) {
            socket.send(new DatagramPacket(q, q.length));
            try {
                DatagramPacket p = new DatagramPacket(in, in.length);
                socket.receive(p);
                return (in[3] & 0xF) == 3 ? -1 : ((in[6] & 0xFF) << 8) | (in[7] & 0xFF);
            } catch (SocketTimeoutException e) {
                if (attempt == 2) throw e;
            }
        }
    }

    private static int quietly(DatagramSocket socket, String name) {
        try {
            return answers(socket, name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aReadyReplicaIsAnsweredAndLeavesTheAnswersWhenItTurnsUnready() throws Exception {
        try (InProcessScheduler cluster = InProcessScheduler.start()) {
            ScriptedAgent worker = new ScriptedAgent(cluster.channel(), "n1", "10.0.0.1", 4096);
            ServiceCatalog catalog = new ServiceCatalog();
            // A second agent that only runs the DNS server: it offers no driver, so nothing is placed on it.
            SchedulerConnection dnsAgent = new SchedulerConnection(List.of("127.0.0.1:" + cluster.server().grpcPort()),
                    Transport.plaintext(), () -> Node.newBuilder().setId("n2").setName("n2").setAddress("127.0.0.1:1").build(),
                    d -> { }, List::of, new CatalogFeed(catalog));
            dnsAgent.start();
            try (DnsServer dns = DnsServer.start(catalog, new DnsServer.Settings(new InetSocketAddress("127.0.0.1", 0),
                    List.of(), Duration.ofSeconds(1)));
                 DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                socket.connect(dns.address());
                socket.setSoTimeout(1_000);
                eventually(() -> cluster.server().connectedAgents() == 2);
                cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(Job.newBuilder().setName("web").setCount(1)
                        .addTasks(Task.newBuilder().setName("web").setImage("file:/web.tar")
                                .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20))
                                .addPorts(Port.newBuilder().setName("http")))).build());
                eventually(() -> worker.latest().size() == 1);
                Assignment a = worker.latest().get(0);
                assertThat(answers(socket, "web.default.gantry.")).isEqualTo(-1);

                report(worker, a, true);
                eventually(() -> quietly(socket, "web.default.gantry.") == 1);

                long t0 = System.nanoTime();
                report(worker, a, false);
                eventually(() -> quietly(socket, "web.default.gantry.") == -1);
                System.out.printf("unready replica left the DNS answers %.1f ms after its report%n", (System.nanoTime() - t0) / 1e6);
            } finally {
                dnsAgent.close();
            }
        }
    }
}
