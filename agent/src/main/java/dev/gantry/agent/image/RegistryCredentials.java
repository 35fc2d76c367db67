package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * are first needed, so that a broken file does not stop local images from loading. Immutable.
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
  private final Path source;
  private final Map<String, Credential> byRegistry;
  private final String loadError;

  private RegistryCredentials(Path source, Map<String, Credential> byRegistry, String loadError) {
    this.source = source;
    this.byRegistry = Map.copyOf(byRegistry);
    this.loadError = loadError;
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
    return Optional.ofNullable(byRegistry.get(normaliseKey(registry)));
  }

  /** Where credentials come from, for error messages. */
  String describe() {
    return source != null ? source.toString() : "the configured credentials";
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
    String k = key.strip().replaceFirst("^[a-zA-Z]+://", "");
    int slash = k.indexOf('/');
    if (slash >= 0) {
      k = k.substring(0, slash);
    }
    k = k.toLowerCase(java.util.Locale.ROOT);
    return k.equals("index.docker.io") || k.equals("registry-1.docker.io") ? "docker.io" : k;
  }
}
