package dev.gantry.scheduler;

import dev.gantry.api.v1.GetNamespaceRequest;
import dev.gantry.api.v1.HistoryRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.ListNamespacesRequest;
import dev.gantry.api.v1.Namespace;
import dev.gantry.api.v1.NamespaceServiceGrpc;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.Security;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.UndoRequest;
import dev.gantry.api.v1.UpdateNamespaceRequest;
import dev.gantry.scheduler.testing.InProcessScheduler;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Privileged opt-outs only where the namespace allows them: Submit, Plan and Undo against stored settings. */
class NamespaceSettingsTest {
    private InProcessScheduler cluster;
    private NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces;

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessScheduler.start();
        namespaces = NamespaceServiceGrpc.newBlockingStub(cluster.channel());
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static Job job(String namespace, Security security) {
        return Job.newBuilder().setNamespace(namespace).setName("web").setCount(1)
                .addTasks(Task.newBuilder().setName("app").setImage("app:1").setSecurity(security)
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20)))
                .build();
    }

    private static final Security PRIVILEGED = Security.newBuilder().addCapabilitiesAdd("SYS_ADMIN")
            .setUnconfinedSeccomp(true).build();

    private Namespace update(String name, List<String> allow, List<String> deny) {
        return namespaces.update(UpdateNamespaceRequest.newBuilder().setName(name).addAllAllow(allow).addAllDeny(deny).build());
    }

    @Test
    void submitAndPlanAreDeniedNamingEveryFieldUntilTheNamespaceAllowsThem() {
        SubmitJobRequest request = SubmitJobRequest.newBuilder().setJob(job("", PRIVILEGED)).build();
        for (Runnable call : List.<Runnable>of(() -> cluster.jobs().submit(request), () -> cluster.jobs().plan(request))) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(e.getStatus().getDescription()).isEqualTo("""
                        job default/web asks for what namespace "default" does not allow:
                        tasks[0].security.capabilities_add[0]: adding capability SYS_ADMIN is not allowed in namespace "default" (namespace setting allow_capabilities_add)
                        tasks[0].security.unconfined_seccomp: running without the default seccomp profile is not allowed in namespace "default" (namespace setting allow_unconfined_seccomp)
                        An operator may allow it: gantry namespace set default --allow=capabilities,seccomp""");
            });
        }
        assertThat(cluster.jobs().list(dev.gantry.api.v1.ListJobsRequest.getDefaultInstance()).getJobsList()).isEmpty();

        Namespace allowed = update("default", List.of("capabilities", "allow_unconfined_seccomp"), List.of());
        assertThat(allowed.getSettings().getAllowCapabilitiesAdd()).isTrue();
        assertThat(allowed.getSettings().getAllowUnconfinedSeccomp()).isTrue();
        assertThat(allowed.getSettings().getAllowPrivilegeEscalation()).isFalse();
        assertThat(allowed.hasUpdateTime()).isTrue();

        assertThat(cluster.jobs().plan(request).getChanged()).isTrue();
        assertThat(cluster.jobs().submit(request).getJob().getVersion()).isEqualTo(1);
    }

    @Test
    void settingsBelongToOneNamespace() {
        update("ops", List.of("capabilities", "seccomp"), List.of());
        cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(job("ops", PRIVILEGED)).build());
        assertThatThrownBy(() -> cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(job("shop", PRIVILEGED)).build()))
                .hasMessageContaining("PERMISSION_DENIED").hasMessageContaining("namespace \"shop\"");

        assertThat(namespaces.get(GetNamespaceRequest.newBuilder().setName("shop").build()).getSettings().getAllowCapabilitiesAdd())
                .isFalse();
        assertThat(namespaces.list(ListNamespacesRequest.getDefaultInstance()).getNamespacesList())
                .extracting(Namespace::getName).containsExactly("default", "ops");
    }

    @Test
    void undoToAPrivilegedVersionIsCheckedAgainstTodaysSettings() {
        update("default", List.of("capabilities", "seccomp"), List.of());
        cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(job("", PRIVILEGED)).build());
        cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(job("", Security.getDefaultInstance())).build());
        Namespace tightened = update("default", List.of(), List.of("capabilities", "seccomp"));
        assertThat(tightened.getSettings()).isEqualTo(dev.gantry.api.v1.NamespaceSettings.getDefaultInstance());

        assertThatThrownBy(() -> cluster.jobs().undo(UndoRequest.newBuilder().setJob("web").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(cluster.jobs().history(HistoryRequest.newBuilder().setJob("web").build()).getVersionsCount()).isEqualTo(2);
    }

    @Test
    void updatesNameKnownSettingsOnce() {
        assertThatThrownBy(() -> update("default", List.of("privileged"), List.of()))
                .hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("\"privileged\" is not a namespace setting"
                        + " (capabilities, seccomp, privilege-escalation, host-network, host-volumes)");
        assertThatThrownBy(() -> update("default", List.of("seccomp"), List.of("seccomp")))
                .hasMessageContaining("both allowed and denied: seccomp");
        assertThatThrownBy(() -> update("default", List.of(), List.of())).hasMessageContaining("INVALID_ARGUMENT");
        assertThatThrownBy(() -> update("Not_A_Label", List.of("seccomp"), List.of())).hasMessageContaining("INVALID_ARGUMENT");
    }
}
