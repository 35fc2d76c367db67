package dev.gantry.agent.driver.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.TaskHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's parts that need neither root nor runc. */
class RuncDriverTest {
    @TempDir
    Path root;
    private RuncDriver driver;

    private RuncDriver driver() {
        driver = new RuncDriver(root, Path.of("/nonexistent/runc"), Path.of("/nonexistent/conmon"), Cgroups.detect(root));
        return driver;
    }

    @AfterEach
    void close() {
        if (driver != null) driver.close();
    }

    @Test
    void signalsAreNormalized() {
        assertThat(RuncDriver.normalizeSignal(null)).isEqualTo("TERM");
        assertThat(RuncDriver.normalizeSignal("sigint")).isEqualTo("SIGINT");
        assertThat(RuncDriver.normalizeSignal("9")).isEqualTo("9");
        assertThatThrownBy(() -> RuncDriver.normalizeSignal("TERM; rm -rf /")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exitMessages() {
        assertThat(RuncDriver.describe(0, false)).isEqualTo("exited with code 0");
        assertThat(RuncDriver.describe(137, false)).isEqualTo("killed by signal 9");
        assertThat(RuncDriver.describe(137, true)).contains("OOM");
    }

    @Test
    void refusesHandlesPointingOutsideItsRoot() {
        RuncDriver d = driver();
        var evil = new TaskHandle("runc", "c1", Map.of("dir", "/etc"));
        assertThatThrownBy(() -> d.destroy(evil)).isInstanceOf(DriverException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> d.destroy(new TaskHandle("runc", "../x", Map.of()))).hasMessageContaining("bad container id");
        assertThatThrownBy(() -> d.destroy(new TaskHandle("docker", "c1", Map.of()))).hasMessageContaining("driver docker");
    }

    @Test
    void runtimeErrorComesFromRuncsJsonLog() throws IOException {
        var p = ContainerPaths.of(root, "c1");
        Files.createDirectories(p.dir());
        assertThat(RuncDriver.runtimeError(p)).isEqualTo("no error recorded by runc or conmon");
        Files.writeString(p.conmonOutput(), "conmon said something\n");
        assertThat(RuncDriver.runtimeError(p)).isEqualTo("conmon said something");
        Files.writeString(p.runcLog(), "{\"level\":\"warning\",\"msg\":\"meh\"}\n"
                + "{\"level\":\"error\",\"msg\":\"runc create failed: exec: \\\"/bin/x\\\": no such file\"}\n");
        assertThat(RuncDriver.runtimeError(p)).isEqualTo("runc create failed: exec: \"/bin/x\": no such file");
    }

    @Test
    void fingerprintFailsWithoutBinaries() {
        assertThatThrownBy(() -> driver().fingerprint()).isInstanceOf(DriverException.class);
    }

    @Test
    void awaitOfUnknownContainerFails() {
        var f = driver().await(new TaskHandle("runc", "c1", Map.of()));
        assertThat(f).isCompletedExceptionally();
    }
}
