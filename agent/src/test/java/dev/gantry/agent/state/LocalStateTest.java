package dev.gantry.agent.state;

import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LocalStateTest {
    @TempDir
    Path dir;

    private static final Assignment A1 = Assignment.newBuilder()
            .setAllocation(Allocation.newBuilder().setId("a1").setJob("web"))
            .setJob(Job.newBuilder().setName("web")).build();

    @Test
    void taskStateSurvivesARestartWithoutItsHealth() {
        LocalState before = new LocalState(dir);
        before.saveAssignment(A1);
        before.saveHandle("a1", "web", new TaskHandle("runc", "a1-web", Map.of("dir", "/x")));
        TaskState running = TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).setRestarts(2).setHasExit(true)
                .setLastExitCode(137).setOomKilled(true).setContainerId("a1-web").setHealthy(true).setHealthMessage("ok").build();
        before.saveTaskState("a1", "web", running.toBuilder().setRestarts(1).build());
        before.saveTaskState("a1", "web", running); // the later write wins

        LocalState.Recovered r = new LocalState(dir).recover().get(0);

        assertThat(r.assignment()).isEqualTo(A1);
        assertThat(r.handles()).containsOnlyKeys("web");
        assertThat(r.states()).containsOnlyKeys("web");
        assertThat(r.states().get("web")).isEqualTo(running.toBuilder().clearHealthy().clearHealthMessage().build());
    }

    @Test
    void forgettingAnAllocationDropsItsStateButKeepsItsLogs() throws Exception {
        LocalState local = new LocalState(dir);
        local.saveAssignment(A1);
        local.saveTaskState("a1", "web", TaskState.newBuilder().setRestarts(3).build());
        Files.writeString(local.logPath("a1", "web"), "a line\n");

        local.forget("a1");

        assertThat(local.recover()).isEmpty();
        assertThat(local.allocDir("a1").resolve("web.state.pb")).doesNotExist();
        assertThat(local.logPath("a1", "web")).exists();
    }

    @Test
    void aDamagedStateFileIsIgnored() throws Exception {
        LocalState local = new LocalState(dir);
        local.saveAssignment(A1);
        Files.write(local.allocDir("a1").resolve("web.state.pb"), new byte[] {(byte) 0xff, 0x01});

        assertThat(local.recover()).singleElement().satisfies(r -> assertThat(r.states()).isEmpty());
    }
}
