package dev.gantry.cli.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CLI's config file: named contexts, each an address list, the cluster CA's certificate file
 * and an ACL token, and the current one. {@code $GANTRY_CONFIG}, else
 * {@code ~/.config/gantry/config.yaml}. Written 0600: it holds a token.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class CliConfig {
    public static final String ENV = "GANTRY_CONFIG";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Context {
        public String name;
        public String address;
        /** Path of the cluster CA's certificate (PEM). */
        public String ca;
        public String token;

        public Context() {
        }

        public Context(String name, String address, String ca, String token) {
            this.name = name;
            this.address = address;
            this.ca = ca;
            this.token = token;
        }
    }

    @JsonProperty("current-context")
    public String currentContext;
    public List<Context> contexts = new ArrayList<>();

    public static Path defaultPath() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) return Path.of(env);
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("gantry").resolve("config.yaml");
    }

    /** The file's contents; an empty config when there is no file. */
    public static CliConfig load(Path file) throws IOException {
        if (!Files.exists(file)) return new CliConfig();
        try {
            CliConfig c = YAML.readValue(file.toFile(), CliConfig.class);
            return c == null ? new CliConfig() : c;
        } catch (IOException e) {
            throw new IOException("cannot read the CLI config " + file + ": " + e.getMessage(), e);
        }
    }

    /** The current context, or the named one; empty when there is none. */
    public Optional<Context> context(String name) {
        String wanted = name != null ? name : currentContext;
        if (wanted == null) return contexts.size() == 1 ? Optional.of(contexts.get(0)) : Optional.empty();
        return contexts.stream().filter(c -> wanted.equals(c.name)).findFirst();
    }

    /** Adds or replaces {@code context} and makes it current. */
    public CliConfig put(Context context) {
        contexts.removeIf(c -> context.name.equals(c.name));
        contexts.add(context);
        currentContext = context.name;
        return this;
    }

    /** Writes the file (0600, beside then renamed, so a reader never sees half of it). */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".config", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            YAML.writeValue(tmp.toFile(), Map.of("current-context", currentContext == null ? "" : currentContext, "contexts", contexts));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
