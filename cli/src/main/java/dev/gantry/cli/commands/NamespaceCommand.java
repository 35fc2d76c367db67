package dev.gantry.cli.commands;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.namespace.NamespaceSetting;
import dev.gantry.api.v1.GetNamespaceRequest;
import dev.gantry.api.v1.ListNamespacesRequest;
import dev.gantry.api.v1.ListNamespacesResponse;
import dev.gantry.api.v1.Namespace;
import dev.gantry.api.v1.UpdateNamespaceRequest;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** `gantry namespace ls|show|set`: which privileged opt-outs each namespace's jobs may use. */
@Command(name = "namespace", aliases = "ns", description = {
        "Show and change namespace settings: which privileged opt-outs the namespace's jobs may ask for.",
        "Every namespace exists; all opt-outs are denied until allowed here. A job asking for one that is not"
                + " allowed is refused on submit and plan (PERMISSION_DENIED, naming the field). Jobs already"
                + " submitted are not re-checked when a setting changes.",
        "Settings: capabilities (security.capabilities_add beyond the default set), seccomp"
                + " (security.unconfined_seccomp), privilege-escalation (security.allow_privilege_escalation),"
                + " host-network (network mode host), host-volumes (volumes of type host).",
        "Example: gantry namespace set ops --allow=capabilities,seccomp"},
        subcommands = {NamespaceCommand.Ls.class, NamespaceCommand.Show.class, NamespaceCommand.Set.class})
public final class NamespaceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: ls, show or set");
    }

    /** The allowed settings' short names, comma-separated; "-" when none. */
    static String allowed(Namespace ns) {
        List<String> allowed = Arrays.stream(NamespaceSetting.values()).filter(s -> s.isAllowed(ns.getSettings()))
                .map(NamespaceSetting::word).toList();
        return allowed.isEmpty() ? "-" : String.join(",", allowed);
    }

    static String updated(Namespace ns) {
        return ns.hasUpdateTime() ? Instant.ofEpochMilli(Timestamps.toMillis(ns.getUpdateTime())).toString() : "-";
    }

    static String describe(Namespace ns) {
        Table t = new Table("SETTING", "VALUE", "LETS A JOB");
        for (NamespaceSetting s : NamespaceSetting.values()) {
            t.row(s.word(), s.isAllowed(ns.getSettings()) ? "allowed" : "denied", s.description());
        }
        return "namespace " + ns.getName() + " (updated " + updated(ns) + ")\n" + t.render();
    }

    @Command(name = "ls", aliases = "list",
            description = "List the namespaces that have jobs or changed settings, with the opt-outs each allows.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                ListNamespacesResponse r = c.call(s -> s.namespaces().list(ListNamespacesRequest.getDefaultInstance()));
                System.out.print(options.output().render(r, () -> {
                    Table t = new Table("NAME", "ALLOWED", "UPDATED");
                    for (Namespace ns : r.getNamespacesList()) t.row(ns.getName(), allowed(ns), updated(ns));
                    return t.render();
                }));
                return 0;
            }
        }
    }

    @Command(name = "show", description = "Show every setting of a namespace (default: the -n namespace).")
    static final class Show implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "NAME", arity = "0..1", description = "The namespace; default: -n, else default.")
        String name;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                Namespace ns = c.call(s -> s.namespaces().get(GetNamespaceRequest.newBuilder()
                        .setName(name != null ? name : options.namespace()).build()));
                System.out.print(options.output().render(ns, () -> describe(ns)));
                return 0;
            }
        }
    }

    @Command(name = "set", description = {
            "Allow or deny settings of a namespace; the others stay as they are. Meant for operators: allowing"
                    + " an opt-out lets every job of the namespace use it.",
            "Example: gantry namespace set ops --allow=capabilities,seccomp --deny=privilege-escalation"})
    static final class Set implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The namespace to change.")
        String name;

        @Option(names = "--allow", split = ",", paramLabel = "SETTING[,SETTING...]",
                description = "Settings to allow: capabilities, seccomp, privilege-escalation, host-network, host-volumes.")
        List<String> allow = new ArrayList<>();

        @Option(names = "--deny", split = ",", paramLabel = "SETTING[,SETTING...]",
                description = "Settings to deny (the default), by the same names.")
        List<String> deny = new ArrayList<>();

        @Override
        public Integer call() {
            if (allow.isEmpty() && deny.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "give --allow and/or --deny with settings ("
                        + NamespaceSetting.words() + ")");
            }
            for (String s : concat(allow, deny)) {
                if (NamespaceSetting.parse(s).isEmpty()) {
                    throw new ParameterException(spec.commandLine(), "\"" + s + "\" is not a namespace setting ("
                            + NamespaceSetting.words() + ")");
                }
            }
            try (SchedulerClient c = options.client()) {
                Namespace ns = c.call(s -> s.namespaces().update(UpdateNamespaceRequest.newBuilder().setName(name)
                        .addAllAllow(allow).addAllDeny(deny).build()));
                String allowed = allowed(ns);
                System.out.print(options.output().render(ns, () -> "namespace " + ns.getName() + " now allows: "
                        + (allowed.equals("-") ? "no privileged opt-out" : allowed) + "\n"));
                return 0;
            }
        }

        private static List<String> concat(List<String> a, List<String> b) {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }
    }
}
