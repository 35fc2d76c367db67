package dev.gantry.agent.alloc;

import dev.gantry.agent.image.ImageConfig;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Task;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TaskEnvironmentTest {
    private final ImageConfig image = new ImageConfig(List.of("/entry"), List.of("--default"), List.of("FROM_IMAGE=1", "LOG=debug"), "/", "");
    private final Allocation alloc = Allocation.newBuilder().setId("a-1").setIndex(2).setNamespace("default").setJob("web")
            .addPorts(AllocatedPort.newBuilder().setTask("web").setName("http").setValue(20001))
            .addPorts(AllocatedPort.newBuilder().setTask("web").setName("admin-api").setValue(20002)).build();

    @Test
    void portsBecomeEnvironmentVariables() {
        Map<String, String> env = TaskEnvironment.env(image, Task.newBuilder().setName("web").build(), alloc, "n1", "10.0.0.5");
        assertThat(env).containsEntry("GANTRY_PORT_HTTP", "20001").containsEntry("GANTRY_PORT_ADMIN_API", "20002")
                .containsEntry("GANTRY_ADDR_HTTP", "10.0.0.5:20001").containsEntry("GANTRY_ALLOC_INDEX", "2")
                .containsEntry("FROM_IMAGE", "1");
    }

    @Test
    void theJobsEnvWinsOverTheImages() {
        Map<String, String> env = TaskEnvironment.env(image, Task.newBuilder().setName("web").putEnv("LOG", "info").build(), alloc, "n1", "ip");
        assertThat(env).containsEntry("LOG", "info");
    }

    @Test
    void argvFollowsDockersRules() {
        Map<String, String> env = Map.of("GANTRY_PORT_HTTP", "20001");
        assertThat(TaskEnvironment.argv(image, Task.getDefaultInstance(), env)).containsExactly("/entry", "--default");
        assertThat(TaskEnvironment.argv(image, Task.newBuilder().addArgs("--x").build(), env)).containsExactly("/entry", "--x");
        assertThat(TaskEnvironment.argv(image, Task.newBuilder().addCommand("/bin/sh").build(), env)).containsExactly("/bin/sh");
        assertThat(TaskEnvironment.argv(image, Task.newBuilder().addCommand("/srv").addArgs("--listen=0.0.0.0:${GANTRY_PORT_HTTP}")
                .addArgs("${UNKNOWN}").build(), env)).containsExactly("/srv", "--listen=0.0.0.0:20001", "${UNKNOWN}");
    }
}
