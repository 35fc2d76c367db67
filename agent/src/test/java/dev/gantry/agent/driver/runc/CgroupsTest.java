package dev.gantry.agent.driver.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both implementations against fake cgroup trees (plain files; rmdir semantics are not simulated). */
class CgroupsTest {
    @TempDir
    Path root;

    @Test
    void v1ReadsPerControllerFiles() throws IOException {
        Files.createDirectories(root.resolve("memory"));
        Files.writeString(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
        Files.writeString(root.resolve("memory/memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        Path mem = Files.createDirectories(root.resolve("memory/gantry/c1"));
        Path cpu = Files.createDirectories(root.resolve("cpu/gantry/c1"));
        Files.createDirectories(root.resolve("unified/gantry/c1"));
        Files.writeString(mem.resolve("memory.limit_in_bytes"), "16777216\n");
        Files.writeString(mem.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        Files.writeString(mem.resolve("cgroup.procs"), "12\n7\n");
        Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "-1\n");
        Files.writeString(cpu.resolve("cgroup.procs"), "7\n");

        Cgroups cg = Cgroups.detect(root);
        assertThat(cg.version()).isEqualTo("v1");
        assertThat(cg.supportsSwapLimit()).isTrue();
        assertThat(cg.memoryLimit("/gantry/c1")).hasValue(16777216);
        assertThat(cg.memoryLimit("/gantry/none")).isEmpty();
        assertThat(cg.cpuQuotaMicros("/gantry/c1")).isEmpty();
        assertThat(cg.oomKillCount("/gantry/c1")).isEqualTo(2);
        assertThat(cg.oomKillCount("/gantry/none")).isZero();
        assertThat(cg.pids("/gantry/c1")).containsExactly(7L, 12L);
        assertThat(cg.exists("/gantry/c1")).isTrue();
        assertThat(cg.exists("/gantry/none")).isFalse();
        assertThatThrownBy(() -> cg.exists("/gantry/../../etc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void v2ReadsUnifiedFiles() throws IOException {
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu io memory pids\n");
        Path c = Files.createDirectories(root.resolve("gantry/c1"));
        Files.writeString(c.resolve("memory.max"), "16777216\n");
        Files.writeString(c.resolve("cpu.max"), "50000 100000\n");
        Files.writeString(c.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        Files.writeString(c.resolve("cgroup.procs"), "");

        Cgroups cg = Cgroups.detect(root);
        assertThat(cg.version()).isEqualTo("v2");
        assertThat(cg.supportsSwapLimit()).isTrue();
        assertThat(cg.memoryLimit("/gantry/c1")).hasValue(16777216);
        assertThat(cg.cpuQuotaMicros("/gantry/c1")).hasValue(50_000);
        assertThat(cg.oomKillCount("/gantry/c1")).isEqualTo(1);
        assertThat(cg.pids("/gantry/c1")).isEmpty();
        Files.writeString(c.resolve("memory.max"), "max\n");
        Files.writeString(c.resolve("cpu.max"), "max 100000\n");
        assertThat(cg.memoryLimit("/gantry/c1")).isEmpty();
        assertThat(cg.cpuQuotaMicros("/gantry/c1")).isEmpty();
    }
}
