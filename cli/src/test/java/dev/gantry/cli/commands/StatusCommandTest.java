package dev.gantry.cli.commands;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.Network;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StatusCommandTest {
    @Test
    void showsHostModeAsAnExplicitOptOut() {
        Job host = Job.newBuilder().setNetwork(Network.newBuilder().setMode(Network.Mode.HOST)).build();
        assertThat(StatusCommand.network(host)).startsWith("host (shares the node's network");
        assertThat(StatusCommand.network(Job.getDefaultInstance())).isEmpty();
        JobStatusView view = JobStatusView.newBuilder().setJob(host.toBuilder().setNamespace("default").setName("web"))
                .addAllocations(Allocation.newBuilder().setId("0123456789abcdef").setAddress("10.244.7.5")).build();
        String out = StatusCommand.render(view, Map.of());
        assertThat(out).contains("network   host (shares").contains("ADDRESS").contains("10.244.7.5");
    }

    @Test
    void theDegradedWarningNamesTheSchedulerAndWhy() {
        assertThat(StatusCommand.degradedWarning("127.0.0.1:7420", "state store unreachable for 12s (no answer within 2s)"))
                .isEqualTo("warning: scheduler 127.0.0.1:7420 is degraded: state store unreachable for 12s (no answer within 2s); "
                        + "showing the last state it knew");
    }
}
