package dev.gantry.api.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.gantry.api.v1.NamespaceSettings;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NamespaceSettingTest {
    @Test
    void everySettingsFieldHasAName() {
        assertThat(Arrays.stream(NamespaceSetting.values()).map(NamespaceSetting::field))
                .as("a new NamespaceSettings field needs its NamespaceSetting (and its check in the scheduler)")
                .containsExactlyInAnyOrderElementsOf(NamespaceSettings.getDescriptor().getFields().stream()
                        .map(FieldDescriptor::getName).toList());
        assertThat(NamespaceSettings.getDescriptor().getFields())
                .allMatch(f -> f.getType() == FieldDescriptor.Type.BOOL);
    }

    @Test
    void settingsAreReadAndWrittenByNameAndAllDeniedByDefault() {
        NamespaceSettings none = NamespaceSettings.getDefaultInstance();
        assertThat(NamespaceSetting.values()).noneMatch(s -> s.isAllowed(none));
        NamespaceSettings seccomp = NamespaceSetting.SECCOMP.set(none.toBuilder(), true).build();
        assertThat(seccomp.getAllowUnconfinedSeccomp()).isTrue();
        assertThat(NamespaceSetting.SECCOMP.isAllowed(seccomp)).isTrue();
        assertThat(NamespaceSetting.CAPABILITIES.isAllowed(seccomp)).isFalse();
        assertThat(NamespaceSetting.parse("Host-Network")).contains(NamespaceSetting.HOST_NETWORK);
        assertThat(NamespaceSetting.parse("allow_capabilities_add")).contains(NamespaceSetting.CAPABILITIES);
        assertThat(NamespaceSetting.parse("privileged")).isEmpty();
        assertThat(NamespaceSetting.words()).isEqualTo("capabilities, seccomp, privilege-escalation, host-network, host-volumes");
    }
}
