package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Node certificates renew in place (issue 14): with a one-minute lifetime, the agent of `gantry dev`
 * renews at 40 s and again at about 80 s, after its first certificate has expired (so the second
 * renewal can only have been authenticated by the renewed one), without a restart: the node stays
 * ready, the same container keeps running, nothing is restarted or rescheduled. A client without
 * credentials is refused with exit code 10.
 */
class CertificateRenewalIT {
    @TempDir
    Path dir;

    private Process dev;

    @AfterEach
    void stop() throws Exception {
        Gantry.stop(dev, Duration.ofSeconds(40));
    }

    @Test
    void theAgentRenewsItsCertificateTwiceWithoutTouchingItsContainer() throws Exception {
        RuntimeRequirements.requireRuncHost();
        int port = Gantry.freePort();
        String address = "127.0.0.1:" + port;
        Path data = dir.resolve("data");
        Path log = dir.resolve("dev.log");
        long joined = System.nanoTime();   // the agent joins after this: its certificate is younger
        dev = Gantry.start(log, "dev", "--port", String.valueOf(port), "--http-port", String.valueOf(Gantry.freePort()),
                "--agent-port", String.valueOf(Gantry.freePort()), "--data-dir", data.toString(),
                "--dynamic-ports", Gantry.portRange(50), "--node-cert-lifetime", "1m");
        eventually(Duration.ofSeconds(60), "the dev node registering (log: " + log + ")",
                () -> Gantry.run(address, "nodes", "-o", "json").stdout().contains("NODE_READY"));

        Gantry.Result anonymous = Gantry.exec(address, java.util.Map.of("GANTRY_CA_CERT", data.resolve("ca.crt").toString(),
                "GANTRY_CONFIG", dir.resolve("no-config.yaml").toString()), "nodes");
        assertThat(anonymous.exitCode()).as(anonymous.stderr()).isEqualTo(10);
        assertThat(anonymous.stderr()).contains("needs credentials");

        Path image = ExampleImage.build(dir);
        Path spec = dir.resolve("web.yaml");
        Files.writeString(spec, ExampleImage.job(image, "web", 1));
        Gantry.Result run = Gantry.run(address, "run", "-f", spec.toString(), "--wait", "--timeout", "90s");
        assertThat(run.exitCode()).as(run.stderr() + "\n" + Gantry.logOf(log)).isZero();
        String alloc = allocation(address).get("id").asText();
        Set<String> containers = Set.copyOf(Host.containers(data));
        assertThat(containers).hasSize(1);

        eventually(Duration.ofSeconds(150), "two renewals (log: " + log + ")",
                () -> Gantry.logOf(log).split("renewed node certificate", -1).length - 1 >= 2);
        // At 2/3 of the lifetime each: about 40 s and 80 s after joining, so the second one came after
        // the first certificate had expired (60 s), and renewals do not follow each other at once.
        assertThat(Duration.ofNanos(System.nanoTime() - joined)).as("time until the second renewal")
                .isGreaterThan(Duration.ofSeconds(60));
        assertThat(Gantry.logOf(log).split("renewed node certificate", -1).length - 1).as("renewals").isLessThanOrEqualTo(3);
        assertThat(Gantry.logOf(log)).doesNotContain("certificate renewal failed");

        assertThat(Gantry.run(address, "nodes", "-o", "json").stdout()).contains("NODE_READY");
        JsonNode a = allocation(address);
        assertThat(a.get("id").asText()).isEqualTo(alloc);
        assertThat(a.path("client_status").asText()).isEqualTo("CLIENT_RUNNING");
        assertThat(a.at("/task_states/web/restarts").asInt()).isZero();
        assertThat(Set.copyOf(Host.containers(data))).isEqualTo(containers);
        // The scheduler reaches the agent's port with its own certificate (logs are relayed), after the renewals too.
        Gantry.Result logs = Gantry.run(address, "logs", "web");
        assertThat(logs.exitCode()).as(logs.stderr()).isZero();
        assertThat(logs.stdout()).contains("serving on port");

        // Stopped through the renewed certificates too; nothing left mounted in the test's directory.
        assertThat(Gantry.run(address, "stop", "web").exitCode()).isZero();
        eventually(Duration.ofSeconds(60), "the container stopped and unmounted",
                () -> Host.containers(data).isEmpty() && Host.mountsUnder(data).isEmpty());
    }

    private static JsonNode allocation(String address) {
        List<JsonNode> running = new java.util.ArrayList<>();
        for (JsonNode a : Gantry.run(address, "status", "web", "-o", "json").json().get("allocations")) running.add(a);
        assertThat(running).hasSize(1);
        return running.get(0);
    }
}
