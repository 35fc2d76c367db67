package dev.gantry.cli.commands;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatusCommandTest {
    @Test
    void theDegradedWarningNamesTheSchedulerAndWhy() {
        assertThat(StatusCommand.degradedWarning("127.0.0.1:7420", "state store unreachable for 12s (no answer within 2s)"))
                .isEqualTo("warning: scheduler 127.0.0.1:7420 is degraded: state store unreachable for 12s (no answer within 2s); "
                        + "showing the last state it knew");
    }
}
