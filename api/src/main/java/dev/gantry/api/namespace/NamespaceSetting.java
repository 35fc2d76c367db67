package dev.gantry.api.namespace;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.gantry.api.v1.NamespaceSettings;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Each field of {@link NamespaceSettings} under the short name that `gantry namespace set
 * --allow/--deny` and the API's UpdateNamespaceRequest take (the field name works too), with
 * what it lets a job do. A test holds this list and the message's fields together.
 */
public enum NamespaceSetting {
    CAPABILITIES("capabilities", "allow_capabilities_add",
            "add capabilities beyond the default set (tasks[].security.capabilities_add)"),
    SECCOMP("seccomp", "allow_unconfined_seccomp",
            "run without the default seccomp profile (tasks[].security.unconfined_seccomp)"),
    PRIVILEGE_ESCALATION("privilege-escalation", "allow_privilege_escalation",
            "gain privileges through setuid binaries (tasks[].security.allow_privilege_escalation)"),
    HOST_NETWORK("host-network", "allow_host_network", "use the server's own network (network.mode: host)"),
    HOST_VOLUMES("host-volumes", "allow_host_volumes", "mount volumes of type host (paths on the server)");

    private final String word;
    private final String field;
    private final String description;

    NamespaceSetting(String word, String field, String description) {
        this.word = word;
        this.field = field;
        this.description = description;
    }

    /** The short name, e.g. {@code capabilities}. */
    public String word() {
        return word;
    }

    /** The NamespaceSettings field, e.g. {@code allow_capabilities_add}. */
    public String field() {
        return field;
    }

    /** What allowing it lets a job do. */
    public String description() {
        return description;
    }

    public boolean isAllowed(NamespaceSettings settings) {
        return (Boolean) settings.getField(descriptor());
    }

    public NamespaceSettings.Builder set(NamespaceSettings.Builder settings, boolean allowed) {
        return settings.setField(descriptor(), allowed);
    }

    FieldDescriptor descriptor() {
        FieldDescriptor descriptor = NamespaceSettings.getDescriptor().findFieldByName(field);
        if (descriptor == null) throw new IllegalStateException("NamespaceSettings has no field " + field);
        return descriptor;
    }

    /** By short name or field name, in any case. */
    public static Optional<NamespaceSetting> parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.word.equals(n) || s.field.equals(n)).findFirst();
    }

    /** "capabilities, seccomp, ...": for messages that list what may be given. */
    public static String words() {
        return Arrays.stream(values()).map(NamespaceSetting::word).collect(Collectors.joining(", "));
    }
}
