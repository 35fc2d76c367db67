package dev.gantry.scheduler;

import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.StopJobRequest;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.testing.InProcessScheduler;
import dev.gantry.scheduler.testing.ScriptedAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** What goes down an agent's stream: the whole set first, then only changes to agents that accept them. */
class DesiredPushTest {
    private InProcessScheduler cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessScheduler.start();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static Job job(String name, int count) {
        return Job.newBuilder().setName(name).setCount(count)
                .addTasks(Task.newBuilder().setName("app").setImage("file:/images/" + name)
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20)))
                .build();
    }

    private static long wanted(ScriptedAgent agent, String job) {
        return agent.latest().stream().filter(a -> a.getAllocation().getJob().equals(job)
                && a.getAllocation().getDesiredStatus() == DesiredStatus.DESIRED_RUN).count();
    }

    /** Runs the same story for either kind of agent: two jobs placed, then one stopped. */
    private ScriptedAgent story(boolean acceptsChanges) throws Exception {
        ScriptedAgent agent = new ScriptedAgent(cluster.channel(), "n1", "127.0.0.1", 8192, acceptsChanges);
        cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(job("web", 3)).build());
        eventually(() -> wanted(agent, "web") == 3);
        agent.latest().forEach(agent::reportRunning);
        cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(job("api", 1)).build());
        eventually(() -> wanted(agent, "api") == 1);
        cluster.jobs().stop(StopJobRequest.newBuilder().setNamespace("default").setName("api").build());
        eventually(() -> wanted(agent, "api") == 0);
        return agent;
    }

    private static Map<String, Assignment> byId(DesiredAllocations d) {
        return d.getAssignmentsList().stream().collect(Collectors.toMap(a -> a.getAllocation().getId(), Function.identity()));
    }

    @Test
    void anAgentThatAcceptsChangesGetsTheWholeSetOnceAndThenOnlyWhatChanged() throws Exception {
        ScriptedAgent agent = story(true);
        List<SchedulerMessage> sent = agent.messages;
        assertThat(sent.get(0).hasDesired()).as("the first message on a stream is the whole set").isTrue();
        assertThat(sent.subList(1, sent.size())).isNotEmpty().allSatisfy(m -> assertThat(m.hasChanges()).isTrue());
        // Nothing is sent again unchanged, and every message changes something.
        for (int i = 1; i < sent.size(); i++) {
            Map<String, Assignment> before = byId(agent.received.get(i - 1));
            var changes = sent.get(i).getChanges();
            assertThat(changes.getUpsertedCount() + changes.getRemovedCount()).as("message %d", i).isPositive();
            for (Assignment a : changes.getUpsertedList()) {
                assertThat(a).as("message %d re-sends an unchanged assignment", i).isNotEqualTo(before.get(a.getAllocation().getId()));
            }
            for (String id : changes.getRemovedList()) assertThat(before).containsKey(id);
        }
        // The set the agent rebuilt is the one the scheduler holds for it: web's three replicas run, api's is stopped.
        assertThat(wanted(agent, "web")).isEqualTo(3);
        assertThat(agent.latest()).filteredOn(a -> a.getAllocation().getJob().equals("api"))
                .allSatisfy(a -> assertThat(a.getAllocation().getDesiredStatus()).isEqualTo(DesiredStatus.DESIRED_STOP));
        assertThat(agent.latest()).allSatisfy(a -> assertThat(a.hasJob()).isTrue());
    }

    @Test
    void anAgentThatDoesNotSayItAcceptsChangesGetsWholeSetsOnly() throws Exception {
        ScriptedAgent agent = story(false);
        assertThat(agent.messages).hasSizeGreaterThan(1).allSatisfy(m -> assertThat(m.hasDesired()).isTrue());
        assertThat(wanted(agent, "web")).isEqualTo(3);
    }
}
