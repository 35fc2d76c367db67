package dev.gantry.cli.commands;

import dev.gantry.agent.driver.runc.Capability;
import dev.gantry.agent.driver.runc.OciSpec;
import dev.gantry.cli.Main;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.admission.PrivilegeCheck;
import dev.gantry.scheduler.store.MemoryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** `gantry namespace ls|show|set` against an in-process scheduler, and `gantry run` refused until a setting allows it. */
class NamespaceCommandTest {
    private MemoryStore store;
    private SchedulerServer server;
    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        store = new MemoryStore();
        server = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/"));
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    private record Result(int code, String out, String err) {
    }

    private Result gantry(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            String[] all = new String[args.length + 2];
            System.arraycopy(args, 0, all, 0, args.length);
            all[args.length] = "-a";
            all[args.length + 1] = "127.0.0.1:" + server.grpcPort();
            return new Result(Main.run(all), out.toString(), err.toString());
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void aPrivilegedJobRunsOnlyOnceItsNamespaceAllowsIt() throws Exception {
        Path spec = Files.writeString(dir.resolve("debug.yaml"), """
                namespace: ops
                name: debug
                tasks:
                  - name: shell
                    image: busybox:1
                    resources: {cpu: 100m, memory: 32Mi}
                    security: {capabilities_add: [NET_ADMIN], unconfined_seccomp: true}
                """);
        Result refused = gantry("run", "--detach", "-f", spec.toString());
        assertThat(refused.code()).isEqualTo(ExitCodes.DENIED);
        assertThat(refused.err()).contains("not allowed: job ops/debug asks for what namespace \"ops\" does not allow")
                .contains("tasks[0].security.capabilities_add[0]: adding capability NET_ADMIN is not allowed in namespace \"ops\"")
                .contains("tasks[0].security.unconfined_seccomp: ")
                .contains("gantry namespace set ops --allow=capabilities,seccomp");

        Result set = gantry("namespace", "set", "ops", "--allow=capabilities,seccomp");
        assertThat(set.code()).as(set.err()).isZero();
        assertThat(set.out()).isEqualTo("namespace ops now allows: capabilities,seccomp\n");

        Result show = gantry("namespace", "show", "ops");
        assertThat(show.code()).isZero();
        assertThat(show.out()).containsPattern("capabilities +allowed").containsPattern("privilege-escalation +denied");

        assertThat(gantry("run", "--detach", "-f", spec.toString()).code()).isZero();
        Result ls = gantry("namespace", "ls");
        assertThat(ls.out()).containsPattern("default +- +-").containsPattern("ops +capabilities,seccomp");

        Result deny = gantry("ns", "set", "ops", "--deny", "capabilities,seccomp");
        assertThat(deny.out()).isEqualTo("namespace ops now allows: no privileged opt-out\n");
    }

    @Test
    void unknownSettingsAndEmptyChangesAreUsageErrors() {
        Result unknown = gantry("namespace", "set", "ops", "--allow=privileged");
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("\"privileged\" is not a namespace setting (capabilities, seccomp,");
        assertThat(gantry("namespace", "set", "ops").code()).isEqualTo(ExitCodes.USAGE);
    }

    /** The scheduler cannot import the agent, so it keeps its own copy of the drivers' default capabilities. */
    @Test
    void theSchedulersDefaultCapabilitiesAreTheDriversOwn() {
        assertThat(PrivilegeCheck.DEFAULT_CAPABILITIES).isEqualTo(
                OciSpec.DEFAULT_CAPABILITIES.stream().map(Capability::name).collect(Collectors.toSet()));
    }
}
