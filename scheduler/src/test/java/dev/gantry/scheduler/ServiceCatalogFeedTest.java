package dev.gantry.scheduler;

import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import dev.gantry.api.v1.ServiceEndpoint;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import dev.gantry.scheduler.testing.InProcessScheduler;
import dev.gantry.scheduler.testing.ScriptedAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The ready-replica catalog on the agent stream (for agents' DNS servers), in-process with scripted agents. */
class ServiceCatalogFeedTest {
    private static final List<String> WANTS_SERVICES = List.of("service-catalog");
    private InProcessScheduler cluster;
    private JobServiceGrpc.JobServiceBlockingStub jobs;

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessScheduler.start();
        jobs = cluster.jobs();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static void report(ScriptedAgent agent, Assignment a, boolean ready) {
        agent.report(a, ClientStatus.CLIENT_RUNNING, Map.of("web", TaskState.newBuilder()
                .setStatus(TaskStatus.TASK_RUNNING).setHealthy(ready).build()));
    }

    /** What an agent holds after applying every catalog message it got, by allocation id. */
    private static Map<String, ServiceEndpoint> applied(ScriptedAgent agent) {
        Map<String, ServiceEndpoint> out = new HashMap<>();
        for (ServiceCatalogUpdate u : agent.services) {
            if (u.getFull()) out.clear();
            u.getUpsertedList().forEach(e -> out.put(e.getEndpoint().getAllocationId(), e));
            u.getRemovedList().forEach(out::remove);
        }
        return out;
    }

    @Test
    void agentsThatAskGetTheWholeCatalogThenReadinessChanges() throws Exception {
        ScriptedAgent a1 = new ScriptedAgent(cluster.channel(), "n1", "10.0.0.1", 4096, true, WANTS_SERVICES);
        ScriptedAgent a2 = new ScriptedAgent(cluster.channel(), "n2", "10.0.0.2", 4096);
        eventually(() -> cluster.server().connectedAgents() == 2 && !a1.services.isEmpty());
        assertThat(a1.services.get(0).getFull()).isTrue();
        assertThat(a1.services.get(0).getUpsertedList()).isEmpty();

        jobs.submit(SubmitJobRequest.newBuilder().setJob(Job.newBuilder().setName("web").setCount(2)
                .addTasks(Task.newBuilder().setName("web").setImage("file:/web.tar")
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20))
                        .addPorts(Port.newBuilder().setName("http")))).build());
        eventually(() -> a1.latest().size() == 1 && a2.latest().size() == 1);
        Assignment on1 = a1.latest().get(0);
        Assignment on2 = a2.latest().get(0);
        String id1 = on1.getAllocation().getId();
        String id2 = on2.getAllocation().getId();

        report(a1, on1, true);
        report(a2, on2, false);
        eventually(() -> applied(a1).containsKey(id1));
        ServiceEndpoint e = applied(a1).get(id1);
        assertThat(e.getNamespace()).isEqualTo(on1.getAllocation().getNamespace());
        assertThat(e.getJob()).isEqualTo("web");
        assertThat(e.getEndpoint().getAddress()).isEqualTo("10.0.0.1");
        assertThat(e.getEndpoint().getIndex()).isEqualTo(on1.getAllocation().getIndex());
        assertThat(e.getEndpoint().getPortsList()).isEqualTo(on1.getAllocation().getPortsList()).isNotEmpty();

        report(a2, on2, true);
        eventually(() -> applied(a1).keySet().equals(java.util.Set.of(id1, id2)));

        report(a1, on1, false);
        eventually(() -> applied(a1).keySet().equals(java.util.Set.of(id2)));
        assertThat(a1.services.get(a1.services.size() - 1).getRemovedList()).containsExactly(id1);
        // After the first, only changes: no message is empty or whole.
        assertThat(a1.services.subList(1, a1.services.size()))
                .allMatch(u -> !u.getFull() && u.getUpsertedCount() + u.getRemovedCount() > 0);

        ScriptedAgent late = new ScriptedAgent(cluster.channel(), "n3", "10.0.0.3", 4096, true, WANTS_SERVICES);
        eventually(() -> !late.services.isEmpty());
        assertThat(late.services.get(0).getFull()).isTrue();
        assertThat(applied(late).keySet()).containsExactly(id2);
        assertThat(a2.services).isEmpty();
    }
}
