package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.api.secret.RegistryAuths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials from a Docker-style {@code config.json}: {@code auths.<host>.auth}
 * (base64 "user:password") or {@code username}/{@code password}. Keys may be written as Docker
 * writes them ({@code https://index.docker.io/v1/}, {@code https://host/}, {@code host}).
 * Credential helpers ({@code credsStore}, {@code credHelpers}) and identity tokens are not
 * supported. A missing file means no credentials; a malformed one is reported when credentials
 * are first needed, so that a broken file does not stop local images from loading.
 *
 * <p>A task's image pull secret ({@link #fromSecret}) comes first and the agent's own file
 * second ({@link #orElse}). Credentials live in memory only. Immutable.
 */
public final class RegistryCredentials {
  /** A user name and password (or token used as a password, as registries accept). */
  public record Credential(String username, String password) {
    @Override
    public String toString() {
      return "Credential[" + username + ", ****]"; // never log the password
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Per process: a fingerprint is no stable password hash, even if it were ever shown. */
  private static final String FINGERPRINT_SALT = java.util.UUID.randomUUID().toString();
  private final String source;
  private final Map<String, Credential> byRegistry;
  private final String loadError;
  /** Asked for a registry this one has no credential for; null: none. */
  private final RegistryCredentials fallback;

  private RegistryCredentials(Path source, Map<String, Credential> byRegistry, String loadError) {
    this(source == null ? null : source.toString(), byRegistry, loadError, null);
  }

  private RegistryCredentials(String source, Map<String, Credential> byRegistry, String loadError,
      RegistryCredentials fallback) {
    this.source = source;
    this.byRegistry = Map.copyOf(byRegistry);
    this.loadError = loadError;
    this.fallback = fallback;
  }

  /**
   * The credentials of a cluster secret (a Docker config.json, as the scheduler checked it on
   * the way in), described as "image pull secret NAME" in errors. Data that does not read is
   * reported when a pull needs credentials, like a broken config file.
   */
  public static RegistryCredentials fromSecret(String name, byte[] data) {
    String source = "image pull secret " + name;
    try {
      Map<String, Credential> found = new HashMap<>();
      RegistryAuths.parse(data).byRegistry()
          .forEach((host, c) -> found.put(host, new Credential(c.username(), c.password())));
      return new RegistryCredentials(source, found, null, null);
    } catch (IllegalArgumentException e) {
      return new RegistryCredentials(source, Map.of(), source + ": data " + e.getMessage(), null);
    }
  }

  /**
   * These credentials, and for a registry they have none for, {@code other}'s: a task's secret
   * before the agent's own config file.
   */
  public RegistryCredentials orElse(RegistryCredentials other) {
    RegistryCredentials tail = fallback == null ? other : fallback.orElse(other);
    return new RegistryCredentials(source, byRegistry, loadError, tail);
  }

  public static RegistryCredentials none() {
    return new RegistryCredentials(null, Map.of(), null);
  }

  /** Credentials given directly, e.g. from a per-job secret; keys are registry hosts. */
  public static RegistryCredentials of(Map<String, Credential> byRegistry) {
    Map<String, Credential> normalised = new HashMap<>();
    byRegistry.forEach((k, v) -> normalised.put(normaliseKey(k), v));
    return new RegistryCredentials(null, normalised, null);
  }

  /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}, as docker does. */
  public static Path defaultPath() {
    String dir = System.getenv("DOCKER_CONFIG");
    return dir != null && !dir.isBlank()
        ? Path.of(dir, "config.json")
        : Path.of(System.getProperty("user.home"), ".docker", "config.json");
  }

  public static RegistryCredentials fromDockerConfig(Path file) {
    if (!Files.exists(file)) {
      return new RegistryCredentials(file, Map.of(), null);
    }
    try {
      JsonNode auths = JSON.readTree(file.toFile()).path("auths");
      Map<String, Credential> found = new HashMap<>();
      for (var it = auths.fields(); it.hasNext(); ) {
        var e = it.next();
        credential(e.getValue()).ifPresent(c -> found.put(normaliseKey(e.getKey()), c));
      }
      return new RegistryCredentials(file, found, null);
    } catch (IOException | IllegalArgumentException e) {
      return new RegistryCredentials(file, Map.of(), "cannot read registry credentials from "
          + file + ": " + e.getMessage());
    }
  }

  /** The credential for a registry host (as in {@link RegistryReference#registry()}). */
  Optional<Credential> find(String registry) throws ImageException {
    if (loadError != null) {
      throw new ImageException(ImageException.Reason.UNAUTHORIZED, loadError);
    }
    Credential own = byRegistry.get(normaliseKey(registry));
    if (own != null || fallback == null) {
      return Optional.ofNullable(own);
    }
    return fallback.find(registry);
  }

  /**
   * Tells apart the credentials a pull would use for {@code registry}, without revealing them:
   * empty for none (or unreadable), else a digest of user and password. Requests made with
   * different credentials must not share cached authorizations nor in-flight pulls.
   */
  String fingerprint(String registry) {
    try {
      return find(registry).map(c -> Digests.of((FINGERPRINT_SALT + "\u0000" + c.username()
          + "\u0000" + c.password()).getBytes(StandardCharsets.UTF_8))).orElse("");
    } catch (ImageException e) {
      return "";
    }
  }

  /** Where credentials come from, for error messages. */
  String describe() {
    String own = source != null ? source : "the configured credentials";
    return fallback == null ? own : own + " or " + fallback.describe();
  }

  /** Where the credentials come from and for which registries; never a password. */
  @Override
  public String toString() {
    String own = (source != null ? source : "credentials") + " " + new java.util.TreeSet<>(byRegistry.keySet());
    return fallback == null ? own : own + " or " + fallback;
  }

  private static Optional<Credential> credential(JsonNode entry) {
    String auth = entry.path("auth").asText("");
    if (!auth.isEmpty()) {
      String decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon > 0) {
        return Optional.of(new Credential(decoded.substring(0, colon), decoded.substring(colon + 1)));
      }
      throw new IllegalArgumentException("an 'auth' entry is not base64 of user:password");
    }
    String user = entry.path("username").asText("");
    if (!user.isEmpty()) {
      return Optional.of(new Credential(user, entry.path("password").asText("")));
    }
    return Optional.empty();
  }

  /** "https://index.docker.io/v1/" → "docker.io"; "http://host:5000/" → "host:5000". */
  static String normaliseKey(String key) {
    return RegistryAuths.registryHost(key);
  }
}
