package dev.gantry.scheduler;

import com.google.protobuf.ByteString;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DeleteSecretRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.ListSecretsRequest;
import dev.gantry.api.v1.PutSecretRequest;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SecretInfo;
import dev.gantry.api.v1.SecretServiceGrpc;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.testing.InProcessScheduler;
import dev.gantry.scheduler.testing.ScriptedAgent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Image pull secrets: stored checked, listed without data, and pushed only with the allocations that name them. */
class SecretsTest {
    private InProcessScheduler cluster;
    private SecretServiceGrpc.SecretServiceBlockingStub secrets;

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessScheduler.start();
        secrets = SecretServiceGrpc.newBlockingStub(cluster.channel());
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static ByteString config(String user, String password) {
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return ByteString.copyFromUtf8("{\"auths\": {\"registry.example.com:5000\": {\"auth\": \"" + auth + "\"}}}");
    }

    private SecretInfo put(String name, ByteString data) {
        return secrets.put(PutSecretRequest.newBuilder().setName(name).setData(data).build());
    }

    private static Job job(String name, String pullSecret) {
        return Job.newBuilder().setName(name).setCount(1)
                .addTasks(Task.newBuilder().setName("app").setImage("registry.example.com:5000/" + name + ":1")
                        .setImagePullSecret(pullSecret)
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20)))
                .build();
    }

    private static List<Assignment> withSecrets(ScriptedAgent agent) {
        return agent.latest().stream().filter(a -> a.getImagePullSecretsCount() > 0).toList();
    }

    @Test
    void putChecksTheDocumentAndListNeverShowsTheData() {
        SecretInfo stored = put("regcred", config("ci", "hunter2"));
        assertThat(stored.getNamespace()).isEqualTo("default");
        assertThat(stored.getRegistriesList()).containsExactly("registry.example.com:5000");

        List<SecretInfo> listed = secrets.list(ListSecretsRequest.getDefaultInstance()).getSecretsList();
        assertThat(listed).extracting(SecretInfo::getName).containsExactly("regcred");
        assertThat(listed.get(0).getSize()).isEqualTo(config("ci", "hunter2").size());
        assertThat(listed.get(0).toString()).doesNotContain("hunter2").doesNotContain("auth");

        assertThatThrownBy(() -> put("regcred", ByteString.copyFromUtf8("{\"credsStore\": \"desktop\"}")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith("secret regcred: data has no \"auths\"");
                });
        assertThatThrownBy(() -> put("Reg_Cred", config("ci", "x")))
                .hasMessageContaining("name: \"Reg_Cred\" is not a DNS label");
        assertThatThrownBy(() -> secrets.delete(DeleteSecretRequest.newBuilder().setName("nope").build()))
                .hasMessageContaining("NOT_FOUND: secret nope not found in namespace default");
    }

    @Test
    void onlyTheAgentRunningTheAllocationGetsTheSecretAndItFollowsChanges() throws Exception {
        ScriptedAgent n1 = new ScriptedAgent(cluster.channel(), "n1", "127.0.0.1", 4096);
        ScriptedAgent n2 = new ScriptedAgent(cluster.channel(), "n2", "127.0.0.1", 4096);
        put("regcred", config("ci", "hunter2"));
        cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(job("private", "regcred")).build());
        cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(job("public", "")).build());
        eventually(() -> n1.latest().size() + n2.latest().size() == 2);

        ScriptedAgent runs = n1.latest().stream().anyMatch(a -> a.getAllocation().getJob().equals("private")) ? n1 : n2;
        ScriptedAgent other = runs == n1 ? n2 : n1;
        eventually(() -> withSecrets(runs).size() == 1);
        Assignment a = withSecrets(runs).get(0);
        assertThat(a.getAllocation().getJob()).isEqualTo("private");
        assertThat(a.getImagePullSecretsMap()).containsExactly(java.util.Map.entry("regcred", config("ci", "hunter2")));
        // Neither the other node nor the job without a secret ever hears of it.
        for (ScriptedAgent agent : List.of(runs, other)) {
            agent.received.forEach(d -> d.getAssignmentsList().stream()
                    .filter(x -> !x.getAllocation().getJob().equals("private"))
                    .forEach(x -> assertThat(x.getImagePullSecretsMap()).isEmpty()));
        }
        other.received.forEach(d -> d.getAssignmentsList()
                .forEach(x -> assertThat(x.getImagePullSecretsMap()).isEmpty()));

        // A changed secret is pushed again; a deleted one is left out, which the agent reports as not found.
        put("regcred", config("ci", "rotated"));
        eventually(() -> withSecrets(runs).size() == 1
                && withSecrets(runs).get(0).getImagePullSecretsMap().get("regcred").equals(config("ci", "rotated")));
        secrets.delete(DeleteSecretRequest.newBuilder().setName("regcred").build());
        eventually(() -> withSecrets(runs).isEmpty() && runs.latest().stream()
                .anyMatch(x -> x.getAllocation().getJob().equals("private")));
        other.received.forEach(d -> d.getAssignmentsList()
                .forEach(x -> assertThat(x.getImagePullSecretsMap()).isEmpty()));
    }
}
