package dev.gantry.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import dev.gantry.agent.image.RegistryCredentials;
import dev.gantry.api.secret.RegistryAuths;
import dev.gantry.api.v1.DeleteSecretRequest;
import dev.gantry.api.v1.ListSecretsRequest;
import dev.gantry.api.v1.ListSecretsResponse;
import dev.gantry.api.v1.PutSecretRequest;
import dev.gantry.api.v1.SecretInfo;
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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** `gantry secret put|ls|rm`: registry credentials that tasks name as image_pull_secret. */
@Command(name = "secret", description = {
        "Manage image pull secrets: registry credentials (a Docker config.json) that a task names with"
                + " `image_pull_secret: NAME`, so that no job spec carries a password. Only the agents that run"
                + " such a task receive the secret, and they keep it in memory only.",
        "Secrets are stored unencrypted in etcd: whoever can read etcd (or its backups) can read them.",
        "Example: gantry secret put regcred -f config.json"},
        subcommands = {SecretCommand.Put.class, SecretCommand.Ls.class, SecretCommand.Rm.class})
public final class SecretCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: put, ls or rm");
    }

    @Command(name = "put", description = {
            "Create or replace a secret from a Docker config.json.",
            "The file is what `docker login` writes:",
            "  {\"auths\": {\"registry.example.com\": {\"auth\": \"<base64 of user:password>\"}}}",
            "Entries may also give \"username\" and \"password\". Credential helpers (credsStore, credHelpers)"
                    + " cannot be used: their passwords are not in the file. The file is checked before it is sent.",
            "Tasks already running keep their image; the new credentials serve the next pull.",
            "Examples:",
            "  gantry secret put regcred -f config.json",
            "  gantry secret put regcred --docker-config --registry registry.example.com"})
    static final class Put implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "NAME", description = "The secret's name, a DNS label (e.g. regcred).")
        String name;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The Docker config.json to store.")
        Path file;

        @Option(names = "--docker-config", paramLabel = "FILE", arity = "0..1", fallbackValue = "",
                description = "Store Docker's own config file: FILE, or without one $DOCKER_CONFIG/config.json,"
                        + " else ~/.docker/config.json.")
        String dockerConfig;

        @Option(names = "--registry", paramLabel = "HOST[:PORT]",
                description = "Keep only this registry's entry (repeatable): do not hand every credential in the"
                        + " file to the cluster.")
        List<String> registries = new ArrayList<>();

        @Override
        public Integer call() {
            if ((file == null) == (dockerConfig == null)) {
                throw new CliException(ExitCodes.USAGE, "give the config.json with -f FILE or --docker-config[=FILE]"
                        + " (one of them)");
            }
            Path source = file != null ? file
                    : dockerConfig.isEmpty() ? RegistryCredentials.defaultPath() : Path.of(dockerConfig);
            byte[] data = only(registries, read(source), source);
            RegistryAuths auths;
            try {
                auths = RegistryAuths.parse(data);
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCodes.USAGE, source + " " + e.getMessage());
            }
            try (SchedulerClient c = options.client()) {
                SecretInfo info = c.call(s -> s.secrets().put(PutSecretRequest.newBuilder()
                        .setNamespace(options.namespace()).setName(name).setData(ByteString.copyFrom(data)).build()));
                System.out.print(options.output().render(info, () -> "secret " + info.getName() + " stored in namespace "
                        + info.getNamespace() + ": credentials for " + String.join(", ", auths.registries())
                        + "; tasks name it with `image_pull_secret: " + info.getName() + "`\n"));
                return 0;
            }
        }

        private static byte[] read(Path source) {
            try {
                return Files.readAllBytes(source);
            } catch (NoSuchFileException e) {
                throw new CliException(ExitCodes.USAGE, source + " does not exist");
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read " + source + ": " + e.getMessage());
            }
        }

        /** The document with only the listed registries' entries (all of them when none is listed). */
        static byte[] only(List<String> registries, byte[] data, Path source) {
            if (registries.isEmpty()) return data;
            ObjectMapper json = new ObjectMapper();
            JsonNode root;
            try {
                root = json.readTree(data);
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, source + " is not valid JSON");
            }
            if (root == null || !(root.get("auths") instanceof ObjectNode auths)) {
                throw new CliException(ExitCodes.USAGE, source + " has no \"auths\" with registry credentials");
            }
            Set<String> wanted = new LinkedHashSet<>();
            registries.forEach(r -> wanted.add(RegistryAuths.registryHost(r)));
            ObjectNode kept = json.createObjectNode();
            Set<String> found = new LinkedHashSet<>();
            auths.fields().forEachRemaining(e -> {
                String host = RegistryAuths.registryHost(e.getKey());
                if (wanted.contains(host)) {
                    kept.set(e.getKey(), e.getValue());
                    found.add(host);
                }
            });
            List<String> missing = wanted.stream().filter(w -> !found.contains(w)).toList();
            if (!missing.isEmpty()) {
                throw new CliException(ExitCodes.USAGE, source + " has no entry for " + String.join(", ", missing));
            }
            ObjectNode out = json.createObjectNode();
            out.set("auths", kept);
            try {
                return json.writeValueAsBytes(out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "ls", aliases = "list",
            description = "List the namespace's secrets: name, registries, size and when each was last put. Never their content.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                ListSecretsResponse r = c.call(s -> s.secrets().list(ListSecretsRequest.newBuilder()
                        .setNamespace(options.namespace()).build()));
                System.out.print(options.output().render(r, () -> {
                    Table t = new Table("NAME", "REGISTRIES", "SIZE", "UPDATED");
                    for (SecretInfo i : r.getSecretsList()) {
                        t.row(i.getName(), String.join(",", i.getRegistriesList()), i.getSize() + "B",
                                Instant.ofEpochMilli(Timestamps.toMillis(i.getUpdateTime())));
                    }
                    return t.isEmpty() ? "no secrets in namespace " + options.namespace() + "\n" : t.render();
                }));
                return 0;
            }
        }
    }

    @Command(name = "rm", aliases = "delete", description = {
            "Delete a secret.",
            "Running tasks keep running; a task that names it fails its next pull with \"image pull secret"
                    + " NAME not found\" until the secret is put again."})
    static final class Rm implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Parameters(paramLabel = "NAME", description = "The secret to delete.")
        String name;

        @Override
        public Integer call() {
            try (SchedulerClient c = options.client()) {
                SecretInfo info = c.call(s -> s.secrets().delete(DeleteSecretRequest.newBuilder()
                        .setNamespace(options.namespace()).setName(name).build()));
                System.out.print(options.output().render(info, () -> "secret " + info.getName()
                        + " deleted from namespace " + info.getNamespace() + "\n"));
                return 0;
            }
        }
    }
}
