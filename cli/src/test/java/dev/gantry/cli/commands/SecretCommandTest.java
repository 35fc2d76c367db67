package dev.gantry.cli.commands;

import dev.gantry.cli.Main;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.MemoryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** `gantry secret put|ls|rm` against an in-process scheduler. */
class SecretCommandTest {
    private static final String AUTH = Base64.getEncoder().encodeToString("ci:hunter2".getBytes(StandardCharsets.UTF_8));
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
            int code = Main.run(all);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void putListAndRemoveWithoutEverShowingTheCredentials() throws Exception {
        Path config = Files.writeString(dir.resolve("config.json"), "{\"auths\": {"
                + "\"https://reg.example:5000/v2/\": {\"auth\": \"" + AUTH + "\"},"
                + "\"other.example\": {\"username\": \"bob\", \"password\": \"pw\"}}}");
        Result put = gantry("secret", "put", "regcred", "-f", config.toString(), "--registry", "reg.example:5000");
        assertThat(put.code()).as(put.err()).isZero();
        assertThat(put.out()).isEqualTo("secret regcred stored in namespace default: credentials for reg.example:5000;"
                + " tasks name it with `image_pull_secret: regcred`\n");

        Result ls = gantry("secret", "ls");
        assertThat(ls.code()).isZero();
        assertThat(ls.out()).contains("NAME", "REGISTRIES", "regcred", "reg.example:5000")
                .doesNotContain("other.example").doesNotContain(AUTH);
        assertThat(gantry("secret", "ls", "-o", "json").out()).doesNotContain(AUTH).doesNotContain("hunter2");

        Result rm = gantry("secret", "rm", "regcred");
        assertThat(rm.out()).isEqualTo("secret regcred deleted from namespace default\n");
        Result again = gantry("secret", "rm", "regcred");
        assertThat(again.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(again.err()).contains("secret regcred not found in namespace default");
        assertThat(gantry("secret", "ls").out()).isEqualTo("no secrets in namespace default\n");
    }

    @Test
    void aFileThatIsNoUsableConfigIsRefusedBeforeAnythingIsSent() throws Exception {
        Path helper = Files.writeString(dir.resolve("config.json"), "{\"credsStore\": \"desktop\"}");
        Result r = gantry("secret", "put", "regcred", "-f", helper.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains(helper + " has no \"auths\" with registry credentials; this file keeps its"
                + " passwords in a credential helper");

        Result neither = gantry("secret", "put", "regcred");
        assertThat(neither.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(neither.err()).contains("give the config.json with -f FILE or --docker-config[=FILE]");

        Path config = Files.writeString(dir.resolve("ok.json"), "{\"auths\": {\"reg.example\": {\"auth\": \"" + AUTH + "\"}}}");
        Result missing = gantry("secret", "put", "regcred", "-f", config.toString(), "--registry", "nope.example");
        assertThat(missing.err()).contains("has no entry for nope.example");
        assertThat(gantry("secret", "ls").out()).isEqualTo("no secrets in namespace default\n");
    }
}
