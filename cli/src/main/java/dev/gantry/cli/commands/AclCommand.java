package dev.gantry.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.util.JsonFormat;
import dev.gantry.api.spec.Quantities;
import dev.gantry.api.v1.AclBootstrapRequest;
import dev.gantry.api.v1.AclPolicy;
import dev.gantry.api.v1.AclToken;
import dev.gantry.api.v1.AclTokenSecret;
import dev.gantry.api.v1.CreateAclTokenRequest;
import dev.gantry.api.v1.DeleteAclPolicyRequest;
import dev.gantry.api.v1.ListAclPoliciesRequest;
import dev.gantry.api.v1.ListAclPoliciesResponse;
import dev.gantry.api.v1.ListAclTokensRequest;
import dev.gantry.api.v1.ListAclTokensResponse;
import dev.gantry.api.v1.NamespaceRule;
import dev.gantry.api.v1.RevokeAclTokenRequest;
import dev.gantry.api.v1.WhoAmIRequest;
import dev.gantry.api.v1.WhoAmIResponse;
import dev.gantry.cli.client.CliException;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** `gantry acl ...`: ACL policies and tokens for people and pipelines. */
@Command(name = "acl", description = {
        "Manage who may do what. People and pipelines call the scheduler with an ACL token (GANTRY_TOKEN or the CLI config);"
                + " a token is bound to policies, or is a management token that may do everything. Default deny.",
        "Namespace capabilities: read, submit, operate (stop, scale, rollout control), logs, exec, secrets."
                + " Cluster capabilities: node:read, node:write, acl:write.",
        "A policy file (YAML):",
        "  name: ci-deployer",
        "  namespaces:",
        "    - {namespace: default, allow: [read, submit, operate, logs]}",
        "    - {namespace: \"team-*\", allow: [read]}",
        "  cluster: [node:read]"},
        subcommands = {AclCommand.Bootstrap.class, AclCommand.Policy.class, AclCommand.Token.class, AclCommand.WhoAmI.class})
public final class AclCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: bootstrap, policy, token or whoami");
    }

    @Command(name = "bootstrap", description = "Create the first management token, once per cluster, and print it. "
            + "Keep it safe: it may do everything. (`gantry dev` bootstraps by itself and writes the CLI config.)")
    static final class Bootstrap implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                AclTokenSecret t = c.call(s -> s.acl().bootstrap(AclBootstrapRequest.getDefaultInstance()));
                System.out.print(options.output().render(t, () -> t.getSecret() + "\n"));
                return 0;
            } catch (CliException e) {
                if (e.getMessage().contains("FAILED_PRECONDITION")) throw new CliException(ExitCodes.FAILURE, "ACLs were bootstrapped already");
                throw e;
            }
        }
    }

    @Command(name = "whoami", description = "Show who the scheduler takes you for, and your token's policies.")
    static final class WhoAmI implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                WhoAmIResponse r = c.call(s -> s.acl().whoAmI(WhoAmIRequest.getDefaultInstance()));
                System.out.print(options.output().render(r, () -> r.getCaller()
                        + (r.hasToken() ? (r.getToken().getManagement() ? ", management" : ", policies " + r.getToken().getPoliciesList()) : "")
                        + "\n"));
                return 0;
            }
        }
    }

    @Command(name = "policy", description = "Manage ACL policies.",
            subcommands = {PolicyApply.class, PolicyLs.class, PolicyRm.class})
    static final class Policy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new ParameterException(spec.commandLine(), "missing subcommand: apply, ls or rm");
        }
    }

    @Command(name = "apply", description = "Create or replace a policy from a YAML file (see `gantry acl --help`).")
    static final class PolicyApply implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The policy file.")
        Path file;

        @Override
        public Integer call() {
            AclPolicy policy = read(file);
            try (SchedulerClient c = options.client()) {
                AclPolicy p = c.call(s -> s.acl().applyPolicy(policy));
                System.out.print(options.output().render(p, () -> "policy " + p.getName() + " applied\n"));
                return 0;
            }
        }

        static AclPolicy read(Path file) {
            try {
                var tree = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
                if (tree == null || !tree.isObject()) throw new CliException(ExitCodes.USAGE, file + ": not a policy (a YAML mapping)");
                AclPolicy.Builder b = AclPolicy.newBuilder();
                // The YAML is the message's JSON form; unknown fields are errors, so a typo is not a silent no-op.
                JsonFormat.parser().merge(new ObjectMapper().writeValueAsString(tree), b);
                return b.build();
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, file + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "ls", aliases = "list", description = "List ACL policies.")
    static final class PolicyLs implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                ListAclPoliciesResponse r = c.call(s -> s.acl().listPolicies(ListAclPoliciesRequest.getDefaultInstance()));
                System.out.print(options.output().render(r, () -> {
                    Table t = new Table("NAME", "NAMESPACES", "CLUSTER");
                    for (AclPolicy p : r.getPoliciesList()) {
                        StringBuilder ns = new StringBuilder();
                        for (NamespaceRule rule : p.getNamespacesList()) {
                            if (ns.length() > 0) ns.append("; ");
                            ns.append(rule.getNamespace()).append(": ").append(String.join(",", rule.getAllowList()));
                        }
                        t.row(p.getName(), ns, String.join(",", p.getClusterList()));
                    }
                    return t.render();
                }));
                return 0;
            }
        }
    }

    @Command(name = "rm", description = "Delete a policy; tokens bound to it lose what it allowed.")
    static final class PolicyRm implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "NAME", description = "The policy's name.")
        String name;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                AclPolicy p = c.call(s -> s.acl().deletePolicy(DeleteAclPolicyRequest.newBuilder().setName(name).build()));
                System.out.print(options.output().render(p, () -> "policy " + p.getName() + " deleted\n"));
                return 0;
            }
        }
    }

    @Command(name = "token", description = "Manage ACL tokens.", subcommands = {TokenCreate.class, TokenLs.class, TokenRevoke.class})
    static final class Token implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new ParameterException(spec.commandLine(), "missing subcommand: create, ls or revoke");
        }
    }

    @Command(name = "create", description = "Create a token bound to policies and print its secret (shown only once).")
    static final class TokenCreate implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Option(names = "--policy", paramLabel = "NAME", description = "A policy the token is bound to; repeatable.")
        List<String> policies = new java.util.ArrayList<>();

        @Option(names = "--management", description = "A management token (may do everything); needs a management token.")
        boolean management;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "0", description = "Lifetime, e.g. 720h; 0: forever (default).")
        String ttl;

        @Option(names = "--description", defaultValue = "", description = "A note shown in lists and audit events.")
        String description;

        @Override
        public Integer call() {
            long seconds = Quantities.parseDuration(ttl).getSeconds();
            if (seconds < 0) throw new IllegalArgumentException("--ttl must not be negative");
            try (SchedulerClient c = options.client()) {
                AclTokenSecret t = c.call(s -> s.acl().createToken(CreateAclTokenRequest.newBuilder().addAllPolicies(policies)
                        .setManagement(management).setTtlSeconds(seconds).setDescription(description).build()));
                System.out.print(options.output().render(t, () -> t.getSecret() + "\n"));
                return 0;
            }
        }
    }

    @Command(name = "ls", aliases = "list", description = "List tokens (accessors, never secrets).")
    static final class TokenLs implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                ListAclTokensResponse r = c.call(s -> s.acl().listTokens(ListAclTokensRequest.getDefaultInstance()));
                System.out.print(options.output().render(r, () -> {
                    Table t = new Table("ACCESSOR", "POLICIES", "EXPIRES", "DESCRIPTION");
                    for (AclToken k : r.getTokensList()) {
                        t.row(k.getAccessor(), k.getManagement() ? "(management)" : String.join(",", k.getPoliciesList()),
                                k.hasExpireTime() ? java.time.Instant.ofEpochMilli(com.google.protobuf.util.Timestamps.toMillis(k.getExpireTime()))
                                        : "never", k.getDescription());
                    }
                    return t.render();
                }));
                return 0;
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a token by its accessor: refused from the next call on.")
    static final class TokenRevoke implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "ACCESSOR", description = "The token's accessor, as `gantry acl token ls` shows it (never its secret).")
        String accessor;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                AclToken t = c.call(s -> s.acl().revokeToken(RevokeAclTokenRequest.newBuilder().setAccessor(accessor).build()));
                System.out.print(options.output().render(t, () -> "token " + t.getAccessor() + " revoked\n"));
                return 0;
            }
        }
    }
}
