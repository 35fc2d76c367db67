package dev.gantry.scheduler.admission;

import dev.gantry.api.namespace.NamespaceSetting;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.NamespaceSettings;
import dev.gantry.api.v1.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Which privileged opt-outs a job asks for that its namespace does not allow, each named by its
 * field path. Pure: a job and settings in, problems out.
 *
 * <p>{@link #OPT_OUTS} holds one entry per opt-out: a new kind (host network, host volumes once
 * the job has those fields) is one more line there.
 */
public final class PrivilegeCheck {
    /**
     * The capabilities every task has as root anyway (the agent's runc and docker drivers'
     * default set; a test in the cli module compares it with the agent's): listing one of these
     * in capabilities_add, e.g. after {@code capabilities_drop: [ALL]}, gains nothing.
     */
    public static final Set<String> DEFAULT_CAPABILITIES = Set.of("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER",
            "SETGID", "SETUID", "SETPCAP", "NET_BIND_SERVICE", "KILL");

    /** One thing a job asks for: the field that asks, and what it is in words ("adding capability SYS_ADMIN"). */
    public record Use(String path, String what) {
    }

    /** A use the namespace does not allow: "path: message", and the setting that would allow it. */
    public record Violation(String path, String message, NamespaceSetting setting) {
        @Override
        public String toString() {
            return path + ": " + message;
        }
    }

    /** An opt-out: the setting that allows it, and where a job asks for it. */
    public record OptOut(NamespaceSetting setting, Function<Job, List<Use>> uses) {
    }

    /**
     * Every privileged opt-out a job can ask for. HOOK for host volumes, whose job field does not
     * exist yet: one line when it does, {@code new OptOut(NamespaceSetting.HOST_VOLUMES, ...)}
     * with a {@link Use} per {@code volumes[i]} of type host.
     */
    public static final List<OptOut> OPT_OUTS = List.of(
            new OptOut(NamespaceSetting.CAPABILITIES, PrivilegeCheck::addedCapabilities),
            new OptOut(NamespaceSetting.SECCOMP, PrivilegeCheck::unconfinedSeccomp),
            new OptOut(NamespaceSetting.PRIVILEGE_ESCALATION, PrivilegeCheck::privilegeEscalation),
            new OptOut(NamespaceSetting.HOST_NETWORK, PrivilegeCheck::hostNetwork));

    private PrivilegeCheck() {
    }

    /** Every opt-out the job asks for that {@code settings} do not allow, by setting, then in job order; empty when none. */
    public static List<Violation> problems(Job job, NamespaceSettings settings) {
        List<Violation> problems = new ArrayList<>();
        for (OptOut optOut : OPT_OUTS) {
            if (optOut.setting().isAllowed(settings)) continue;
            for (Use use : optOut.uses().apply(job)) {
                problems.add(new Violation(use.path(), use.what() + " is not allowed in namespace \"" + job.getNamespace()
                        + "\" (namespace setting " + optOut.setting().field() + ")", optOut.setting()));
            }
        }
        return problems;
    }

    static List<Use> addedCapabilities(Job job) {
        List<Use> uses = new ArrayList<>();
        forEachSecurity(job, (path, security) -> {
            for (int i = 0; i < security.getCapabilitiesAddCount(); i++) {
                String name = normalized(security.getCapabilitiesAdd(i));
                if (name.equals("ALL")) {
                    uses.add(new Use(path + ".capabilities_add[" + i + "]", "adding ALL capabilities"));
                } else if (!DEFAULT_CAPABILITIES.contains(name)) {
                    uses.add(new Use(path + ".capabilities_add[" + i + "]", "adding capability " + name));
                }
            }
        });
        return uses;
    }

    static List<Use> unconfinedSeccomp(Job job) {
        List<Use> uses = new ArrayList<>();
        forEachSecurity(job, (path, security) -> {
            if (security.getUnconfinedSeccomp()) {
                uses.add(new Use(path + ".unconfined_seccomp", "running without the default seccomp profile"));
            }
        });
        return uses;
    }

    static List<Use> privilegeEscalation(Job job) {
        List<Use> uses = new ArrayList<>();
        forEachSecurity(job, (path, security) -> {
            if (security.getAllowPrivilegeEscalation()) {
                uses.add(new Use(path + ".allow_privilege_escalation", "privilege escalation (no noNewPrivileges)"));
            }
        });
        return uses;
    }

    /**
     * Only a job that names host mode: while the cluster default (JobDefaults.NETWORK_MODE) is host
     * itself, a job without a mode runs there unasked, and refusing it would refuse every job.
     * Once the default is bridge, this should read JobDefaults.networkMode(job) instead.
     */
    static List<Use> hostNetwork(Job job) {
        return job.getNetwork().getMode() == dev.gantry.api.v1.Network.Mode.HOST
                ? List.of(new Use("network.mode", "host networking")) : List.of();
    }

    private static void forEachSecurity(Job job, java.util.function.BiConsumer<String, Security> each) {
        for (int t = 0; t < job.getTasksCount(); t++) {
            if (job.getTasks(t).hasSecurity()) each.accept("tasks[" + t + "].security", job.getTasks(t).getSecurity());
        }
    }

    /** As the drivers read capability names: trimmed, upper case, without a CAP_ prefix. */
    private static String normalized(String capability) {
        String n = capability.trim().toUpperCase(Locale.ROOT);
        return n.startsWith("CAP_") ? n.substring(4) : n;
    }
}
