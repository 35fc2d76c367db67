package dev.gantry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The distribution's `bin/gantry` as a pipeline sees it: help, validation errors, exit codes. */
class CliIT {
    @TempDir
    Path dir;

    @Test
    void helpListsTheCommands() {
        Gantry.Result r = Gantry.run(null, "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).contains("run, apply", "status", "ps", "nodes", "logs", "stop", "scheduler", "agent", "dev", "Exit codes");
    }

    @Test
    void aBadSpecListsEveryProblemByFieldPathAndExitsOne() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                name: Web_App
                count: -2
                tasks:
                  - name: web
                    resources: {memory: lots, cpu: 100m, memroy: 1Gi}
                    ports: [{name: http}, {name: http}]
                """);
        Gantry.Result r = Gantry.run("127.0.0.1:1", "run", "-f", bad.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("name: \"Web_App\"", "count:", "tasks[0].resources.memory: \"lots\" is not a size",
                "tasks[0].resources.memroy: unknown field; did you mean `memory`?", "tasks[0].image:", "ports[1].name:");
    }

    @Test
    void anUnreachableSchedulerExitsFourWithAHint() {
        Gantry.Result r = Gantry.run("127.0.0.1:1", "status", "web");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.stderr()).contains("cannot reach a scheduler at 127.0.0.1:1", "GANTRY_ADDR");
    }

    @Test
    void aMissingFileIsAUsageError() {
        Gantry.Result r = Gantry.run(null, "validate", "-f", dir.resolve("nope.yaml").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("does not exist");
    }

    @Test
    void anUnknownFlagIsAUsageError() {
        Gantry.Result r = Gantry.run(null, "status", "web", "--bogus");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("Unknown option: '--bogus'");
    }
}
