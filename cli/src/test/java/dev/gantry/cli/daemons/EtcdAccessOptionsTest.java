package dev.gantry.cli.daemons;

import dev.gantry.api.security.ClusterCa;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.Pem;
import dev.gantry.cli.Main;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.scheduler.store.EtcdOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** `gantry scheduler --etcd-cacert/--etcd-cert/--etcd-key/--etcd-user/--etcd-password-file`: read and checked before dialling. */
class EtcdAccessOptionsTest {
    @TempDir
    Path dir;

    private static EtcdOptions options(Map<String, String> env, String... args) {
        SchedulerCommand c = new SchedulerCommand();
        new CommandLine(c).parseArgs(args);
        return c.etcdAccess.options(c.etcd, env, Clock.systemUTC());
    }

    @Test
    void tlsFilesAndAPasswordFileMakeTheStoreOptions() throws Exception {
        ClusterCa ca = ClusterCa.create(Clock.systemUTC());
        KeyPair keys = EcKeys.generate();
        Path caFile = dir.resolve("ca.pem");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Pem.writeCertificates(caFile, List.of(ca.certificate()));
        Pem.writeCertificates(cert, List.of(ca.issueNode(keys.getPublic(), "scheduler", Duration.ofHours(1))));
        Pem.writePrivateKey(key, keys.getPrivate());
        Path password = Files.writeString(dir.resolve("pw"), "from-file\n");

        EtcdOptions o = options(Map.of("GANTRY_ETCD_PASSWORD", "from-env"), "--etcd", "https://10.0.0.1:2379,https://10.0.0.2:2379",
                "--etcd-cacert", caFile.toString(), "--etcd-cert", cert.toString(), "--etcd-key", key.toString(),
                "--etcd-user", "gantry", "--etcd-password-file", password.toString());
        assertThat(o.endpoints()).containsExactly("https://10.0.0.1:2379", "https://10.0.0.2:2379");
        assertThat(o.tls().hasClientCertificate()).isTrue();
        assertThat(o.credentials().user()).isEqualTo("gantry");
        assertThat(o.credentials().password()).as("the file wins over the environment").isEqualTo("from-file");

        assertThat(options(Map.of("GANTRY_ETCD_PASSWORD", "from-env"), "--etcd", "http://127.0.0.1:2379", "--etcd-user", "gantry")
                .credentials().password()).isEqualTo("from-env");
        EtcdOptions plain = options(Map.of(), "--etcd", "http://127.0.0.1:2379");
        assertThat(plain.tls()).isNull();
        assertThat(plain.credentials()).isNull();
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> options(Map.of(), "--etcd", "http://127.0.0.1:2379", "--etcd-cacert", "/nope.pem"))
                .hasMessageContaining("need https:// endpoints");
        assertThatThrownBy(() -> options(Map.of(), "--etcd", "https://127.0.0.1:2379", "--etcd-cacert", dir.resolve("nope.pem").toString()))
                .hasMessageContaining("etcd CA file").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> options(Map.of(), "--etcd", "http://127.0.0.1:2379", "--etcd-user", "gantry"))
                .hasMessageContaining("--etcd-user gantry needs a password: --etcd-password-file FILE or $GANTRY_ETCD_PASSWORD");
        assertThatThrownBy(() -> options(Map.of("GANTRY_ETCD_PASSWORD", "x"), "--etcd", "http://127.0.0.1:2379"))
                .hasMessageContaining("$GANTRY_ETCD_PASSWORD is given without --etcd-user");
    }

    @Test
    void thereIsNoPasswordFlagAndABadFileFailsTheCommandBeforeDialling() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            assertThat(Main.run("scheduler", "--etcd", "http://127.0.0.1:1", "--etcd-password", "x")).isEqualTo(ExitCodes.USAGE);
            assertThat(Main.run("scheduler", "--etcd", "https://127.0.0.1:1", "--port", "0", "--http-port", "0",
                    "--etcd-cert", dir.resolve("missing.pem").toString(), "--etcd-key", dir.resolve("missing-key.pem").toString()))
                    .isEqualTo(ExitCodes.USAGE);
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString()).contains("Unknown options: '--etcd-password'")
                .contains("etcd client certificate file " + dir.resolve("missing.pem") + " does not exist");
    }
}
