package dev.gantry.scheduler;

import dev.gantry.api.transport.TlsMaterial;
import dev.gantry.api.transport.Transport;
import dev.gantry.api.v1.AclPolicy;
import dev.gantry.api.v1.AclServiceGrpc;
import dev.gantry.api.v1.CreateAclTokenRequest;
import dev.gantry.api.v1.GetNamespaceRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.NamespaceRule;
import dev.gantry.api.v1.NamespaceServiceGrpc;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.Security;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.UpdateNamespaceRequest;
import dev.gantry.scheduler.security.SchedulerSecurity;
import dev.gantry.scheduler.testing.SecureScheduler;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * On a secure scheduler, a namespace's own team (every namespace capability) may read its
 * settings and submit ordinary jobs, but cannot widen the settings: only a management token can.
 */
class NamespaceSettingsAclTest {
    @TempDir
    Path dir;
    private SecureScheduler scheduler;
    private String management;

    @BeforeEach
    void start() throws Exception {
        scheduler = SecureScheduler.start(dir);
        management = scheduler.management;
    }

    @AfterEach
    void stop() {
        scheduler.close();
    }

    private ManagedChannel withToken(String token) {
        return scheduler.withToken(token);
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void onlyAManagementTokenWidensANamespace() {
        var acl = AclServiceGrpc.newBlockingStub(withToken(management));
        acl.applyPolicy(AclPolicy.newBuilder().setName("ops-team").addNamespaces(NamespaceRule.newBuilder().setNamespace("ops")
                .addAllow("read").addAllow("submit").addAllow("operate").addAllow("logs").addAllow("exec").addAllow("secrets")).build());
        ManagedChannel team = withToken(acl.createToken(CreateAclTokenRequest.newBuilder().addPolicies("ops-team").build()).getSecret());
        var teamNamespaces = NamespaceServiceGrpc.newBlockingStub(team);
        var teamJobs = JobServiceGrpc.newBlockingStub(team);
        Job privileged = Job.newBuilder().setNamespace("ops").setName("debug").setCount(1)
                .addTasks(Task.newBuilder().setName("sh").setImage("busybox:1")
                        .setSecurity(Security.newBuilder().addCapabilitiesAdd("NET_ADMIN"))
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(32 << 20))).build();
        UpdateNamespaceRequest allowCaps = UpdateNamespaceRequest.newBuilder().setName("ops").addAllow("capabilities").build();

        assertThat(teamNamespaces.get(GetNamespaceRequest.newBuilder().setName("ops").build()).getSettings().getAllowCapabilitiesAdd())
                .isFalse();
        assertThat(code(() -> teamNamespaces.get(GetNamespaceRequest.newBuilder().setName("shop").build())))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(code(() -> teamJobs.submit(SubmitJobRequest.newBuilder().setJob(privileged).build())))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(code(() -> teamNamespaces.update(allowCaps))).as("the team cannot allow itself")
                .isEqualTo(Status.Code.PERMISSION_DENIED);

        NamespaceServiceGrpc.newBlockingStub(withToken(management)).update(allowCaps);
        assertThat(teamJobs.submit(SubmitJobRequest.newBuilder().setJob(privileged).build()).getJob().getVersion()).isEqualTo(1);
    }
}
