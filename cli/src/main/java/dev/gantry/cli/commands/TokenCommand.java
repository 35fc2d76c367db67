package dev.gantry.cli.commands;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.spec.Quantities;
import dev.gantry.api.v1.CreateJoinTokenRequest;
import dev.gantry.api.v1.CreatedJoinToken;
import dev.gantry.api.v1.JoinTokenRecord;
import dev.gantry.api.v1.ListJoinTokensRequest;
import dev.gantry.api.v1.ListJoinTokensResponse;
import dev.gantry.api.v1.RevokeJoinTokenRequest;
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
import java.util.concurrent.Callable;

/** `gantry token create|ls|revoke`: join tokens that let a new server's agent join the cluster. */
@Command(name = "token", description = {
        "Manage join tokens. A join token lets an agent join the cluster once: `gantry agent --join TOKEN --scheduler ...`.",
        "It names the cluster CA's fingerprint, so the agent checks the scheduler before it sends the token; the scheduler"
                + " stores only a hash of it. Needs node:write (node:read to list)."},
        subcommands = {TokenCommand.Create.class, TokenCommand.Ls.class, TokenCommand.Revoke.class})
public final class TokenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: create, ls or revoke");
    }

    @Command(name = "create", description = "Create a join token and print it (it is shown only once).")
    static final class Create implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Option(names = "--role", defaultValue = "agent", description = "What the token joins as (default: ${DEFAULT-VALUE}; the only role).")
        String role;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h",
                description = "How long the token can be used, e.g. 1h; 0: forever (default: ${DEFAULT-VALUE}).")
        String ttl;

        @Option(names = "--description", defaultValue = "", description = "A note shown in `gantry token ls`.")
        String description;

        @Override
        public Integer call() {
            long seconds = Quantities.parseDuration(ttl).getSeconds();
            if (seconds < 0) throw new IllegalArgumentException("--ttl must not be negative");
            try (SchedulerClient c = options.client()) {
                CreatedJoinToken t = c.call(s -> s.joinTokens().create(CreateJoinTokenRequest.newBuilder().setRole(role)
                        .setTtlSeconds(seconds).setDescription(description).build()));
                System.out.print(options.output().render(t, () -> t.getToken() + "\n"));
                return 0;
            }
        }
    }

    @Command(name = "ls", aliases = "list", description = "List join tokens (ids, never secrets).")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                ListJoinTokensResponse r = c.call(s -> s.joinTokens().list(ListJoinTokensRequest.getDefaultInstance()));
                System.out.print(options.output().render(r, () -> {
                    Table table = new Table("ID", "ROLE", "CREATED", "EXPIRES", "DESCRIPTION");
                    for (JoinTokenRecord t : r.getTokensList()) {
                        table.row(t.getId(), t.getRole(), Instant.ofEpochMilli(Timestamps.toMillis(t.getCreateTime())),
                                t.hasExpireTime() ? Instant.ofEpochMilli(Timestamps.toMillis(t.getExpireTime())) : "never",
                                t.getDescription());
                    }
                    return table.render();
                }));
                return 0;
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a join token: it cannot be used to join from now on (joined nodes stay).")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "ID", description = "The token's id, as `gantry token ls` shows it.")
        String id;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                JoinTokenRecord t = c.call(s -> s.joinTokens().revoke(RevokeJoinTokenRequest.newBuilder().setId(id).build()));
                System.out.print(options.output().render(t, () -> "join token " + t.getId() + " revoked\n"));
                return 0;
            }
        }
    }
}
