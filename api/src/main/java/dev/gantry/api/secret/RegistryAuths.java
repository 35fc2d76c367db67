package dev.gantry.api.secret;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry credentials of a secret: a Docker {@code config.json} whose {@code auths} map
 * registry hosts to {@code {"auth": base64("user:password")}} or to {@code username} and
 * {@code password}, as {@code docker login} writes them. Stricter than the agent's own config
 * file: every entry must carry a credential, since a secret exists only to carry them.
 * Immutable; {@link #toString()} never shows a password.
 */
public final class RegistryAuths {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A user name and password (or a token used as the password, as registries accept). */
  public record Credential(String username, String password) {
    @Override
    public String toString() {
      return "Credential[" + username + ", ****]";
    }
  }

  private final Map<String, Credential> byRegistry;

  private RegistryAuths(Map<String, Credential> byRegistry) {
    this.byRegistry = Map.copyOf(byRegistry);
  }

  /**
   * Reads and checks a secret's data.
   *
   * @throws IllegalArgumentException saying what is wrong (never quoting a credential)
   */
  public static RegistryAuths parse(byte[] data) {
    JsonNode root;
    try {
      root = JSON.readTree(new String(data, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      // Jackson's message may quote the document: say only where it broke.
      var at = e.getLocation();
      throw new IllegalArgumentException("is not valid JSON"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot be read as JSON");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("is not a Docker config.json: expected a JSON object"
          + " like {\"auths\": {\"registry.example.com\": {\"auth\": \"<base64 of user:password>\"}}}");
    }
    JsonNode auths = root.get("auths");
    if (auths == null || !auths.isObject() || auths.isEmpty()) {
      String helpers = root.has("credsStore") || root.has("credHelpers")
          ? "; this file keeps its passwords in a credential helper (credsStore/credHelpers),"
              + " which a secret cannot use: write a config.json with \"auths\" entries instead"
          : "";
      throw new IllegalArgumentException("has no \"auths\" with registry credentials" + helpers);
    }
    Map<String, Credential> found = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    auths.fields().forEachRemaining(e -> {
      String host = registryHost(e.getKey());
      String where = "auths[\"" + e.getKey() + "\"]";
      try {
        found.put(host, credential(e.getValue()));
      } catch (IllegalArgumentException bad) {
        problems.add(where + ": " + bad.getMessage());
      }
    });
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new RegistryAuths(found);
  }

  /** Credentials by registry host as {@link #registryHost} writes it. */
  public Map<String, Credential> byRegistry() {
    return byRegistry;
  }

  /** The registry hosts, sorted. */
  public List<String> registries() {
    return List.copyOf(new TreeMap<>(byRegistry).keySet());
  }

  /**
   * A registry as Docker writes it in {@code auths} or as a reference names it, reduced to
   * its host: {@code https://index.docker.io/v1/} → {@code docker.io},
   * {@code http://host:5000/} → {@code host:5000}.
   */
  public static String registryHost(String key) {
    String k = key.strip().replaceFirst("^[a-zA-Z]+://", "");
    int slash = k.indexOf('/');
    if (slash >= 0) {
      k = k.substring(0, slash);
    }
    k = k.toLowerCase(Locale.ROOT);
    return k.equals("index.docker.io") || k.equals("registry-1.docker.io") ? "docker.io" : k;
  }

  private static Credential credential(JsonNode entry) {
    if (!entry.isObject()) {
      throw new IllegalArgumentException("must be an object with \"auth\" or \"username\" and \"password\"");
    }
    String auth = entry.path("auth").asText("").strip();
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("\"auth\" is not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("\"auth\" is not base64 of user:password");
      }
      return new Credential(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
    String user = entry.path("username").asText("");
    if (!user.isEmpty()) {
      return new Credential(user, entry.path("password").asText(""));
    }
    if (entry.has("identitytoken")) {
      throw new IllegalArgumentException("identity tokens are not supported; give \"auth\" or"
          + " \"username\" and \"password\"");
    }
    throw new IllegalArgumentException("has no credential: give \"auth\" (base64 of user:password)"
        + " or \"username\" and \"password\"");
  }

  @Override
  public String toString() {
    return "RegistryAuths" + registries();
  }
}
