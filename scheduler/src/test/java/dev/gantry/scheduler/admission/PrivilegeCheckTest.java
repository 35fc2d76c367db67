package dev.gantry.scheduler.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.api.namespace.NamespaceSetting;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.NamespaceSettings;
import dev.gantry.api.v1.Security;
import dev.gantry.api.v1.Task;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PrivilegeCheckTest {
    private static final NamespaceSettings NONE = NamespaceSettings.getDefaultInstance();

    private static Job job(Security... securities) {
        Job.Builder job = Job.newBuilder().setNamespace("shop").setName("web");
        for (int i = 0; i < securities.length; i++) {
            Task.Builder task = Task.newBuilder().setName("t" + i).setImage("app:1");
            if (securities[i] != null) task.setSecurity(securities[i]);
            job.addTasks(task);
        }
        return job.build();
    }

    private static List<String> problems(Job job, NamespaceSettings settings) {
        return PrivilegeCheck.problems(job, settings).stream().map(PrivilegeCheck.Violation::toString).toList();
    }

    @Test
    void aJobWithTheSecureDefaultsPassesEverywhere() {
        Job plain = job(null, Security.newBuilder().setUser("1000").setReadOnlyRootfs(true)
                .addCapabilitiesDrop("ALL").build());
        assertThat(problems(plain, NONE)).isEmpty();
    }

    @Test
    void everyOptOutIsNamedByItsFieldPathAndSetting() {
        Job privileged = job(
                Security.newBuilder().addCapabilitiesAdd("NET_BIND_SERVICE").addCapabilitiesAdd("cap_sys_admin").build(),
                null,
                Security.newBuilder().addCapabilitiesAdd("ALL").setUnconfinedSeccomp(true).setAllowPrivilegeEscalation(true).build());
        assertThat(problems(privileged, NONE)).containsExactly(
                "tasks[0].security.capabilities_add[1]: adding capability SYS_ADMIN is not allowed in namespace \"shop\""
                        + " (namespace setting allow_capabilities_add)",
                "tasks[2].security.capabilities_add[0]: adding ALL capabilities is not allowed in namespace \"shop\""
                        + " (namespace setting allow_capabilities_add)",
                "tasks[2].security.unconfined_seccomp: running without the default seccomp profile is not allowed in"
                        + " namespace \"shop\" (namespace setting allow_unconfined_seccomp)",
                "tasks[2].security.allow_privilege_escalation: privilege escalation (no noNewPrivileges) is not allowed in"
                        + " namespace \"shop\" (namespace setting allow_privilege_escalation)");
        assertThat(PrivilegeCheck.problems(privileged, NONE)).extracting(PrivilegeCheck.Violation::setting)
                .containsExactly(NamespaceSetting.CAPABILITIES, NamespaceSetting.CAPABILITIES, NamespaceSetting.SECCOMP,
                        NamespaceSetting.PRIVILEGE_ESCALATION);
    }

    @Test
    void eachSettingAllowsItsOwnOptOutOnly() {
        Job privileged = job(Security.newBuilder().addCapabilitiesAdd("NET_ADMIN").setUnconfinedSeccomp(true)
                .setAllowPrivilegeEscalation(true).build());
        NamespaceSettings caps = NamespaceSettings.newBuilder().setAllowCapabilitiesAdd(true).build();
        assertThat(problems(privileged, caps)).hasSize(2).noneMatch(p -> p.contains("capabilities_add"));
        NamespaceSettings all = NamespaceSettings.newBuilder().setAllowCapabilitiesAdd(true)
                .setAllowUnconfinedSeccomp(true).setAllowPrivilegeEscalation(true).build();
        assertThat(problems(privileged, all)).isEmpty();
    }

    @Test
    void reAddingADefaultCapabilityGainsNothingAndIsAllowed() {
        Job hardened = job(Security.newBuilder().addCapabilitiesDrop("ALL").addCapabilitiesAdd("NET_BIND_SERVICE")
                .addCapabilitiesAdd("CAP_CHOWN").build());
        assertThat(problems(hardened, NONE)).isEmpty();
    }

    @Test
    void hostNetworkingNeedsTheSettingWhenTheJobNamesIt() {
        Job host = job((Security) null).toBuilder()
                .setNetwork(dev.gantry.api.v1.Network.newBuilder().setMode(dev.gantry.api.v1.Network.Mode.HOST)).build();
        assertThat(problems(host, NONE)).containsExactly("network.mode: host networking is not allowed in namespace \"shop\""
                + " (namespace setting allow_host_network)");
        assertThat(problems(host, NamespaceSettings.newBuilder().setAllowHostNetwork(true).build())).isEmpty();
        Job bridge = host.toBuilder().setNetwork(dev.gantry.api.v1.Network.newBuilder()
                .setMode(dev.gantry.api.v1.Network.Mode.BRIDGE)).build();
        assertThat(problems(bridge, NONE)).isEmpty();
        assertThat(problems(job((Security) null), NONE)).as("no mode: the cluster default, host for now, unasked").isEmpty();
    }

    /**
     * The hook for opt-outs whose job fields do not exist yet: when host volumes arrive, their
     * OptOut entry goes into OPT_OUTS and its setting leaves this list.
     */
    @Test
    void everySettingIsCheckedExceptThoseWhoseJobFieldsDoNotExistYet() {
        Set<NamespaceSetting> checked = PrivilegeCheck.OPT_OUTS.stream().map(PrivilegeCheck.OptOut::setting)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(NamespaceSetting.class)));
        Set<NamespaceSetting> pending = EnumSet.allOf(NamespaceSetting.class);
        pending.removeAll(checked);
        assertThat(pending).containsExactly(NamespaceSetting.HOST_VOLUMES);
        assertThat(Arrays.stream(NamespaceSetting.values())).hasSize(checked.size() + pending.size());
    }
}
