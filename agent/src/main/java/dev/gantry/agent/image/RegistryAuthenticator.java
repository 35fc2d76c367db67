package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Answers registry 401 challenges: {@code Basic} with the configured credential, {@code Bearer}
 * by fetching a token from the challenge's realm (anonymously, or with the credential as basic
 * auth, as docker does). Remembers the resulting Authorization header per repository, so later
 * requests skip the 401 round trip; an expired token simply earns a new 401 and a new token.
 * A pull may bring its own credentials (a task's image pull secret before the agent's); what is
 * remembered is keyed by the credential used too, so one task's access never serves another's.
 * Thread-safe.
 */
final class RegistryAuthenticator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final RegistryHttp http;
  private final RegistryCredentials defaults;
  private final ConcurrentMap<String, String> authorizations = new ConcurrentHashMap<>();

  RegistryAuthenticator(RegistryHttp http, RegistryCredentials credentials) {
    this.http = http;
    this.defaults = credentials;
  }

  /** The agent's own credentials, used when a pull brings none. */
  RegistryCredentials defaults() {
    return defaults;
  }

  Optional<String> current(RegistryReference ref, RegistryCredentials credentials) {
    return Optional.ofNullable(authorizations.get(key(ref, credentials)));
  }

  /**
   * @param insecure whether the registry is listed as plain HTTP; only then may credentials go to
   *     a plain HTTP token realm
   * @return the Authorization header value to retry with
   */
  String authorize(RegistryReference ref, String challengeHeader, boolean insecure,
      RegistryCredentials credentials) throws ImageException {
    AuthChallenge challenge = AuthChallenge.parse(challengeHeader);
    Optional<RegistryCredentials.Credential> credential = credentials.find(ref.registry());
    String value = switch (challenge.scheme()) {
      case "basic" -> "Basic " + basic(credential.orElseThrow(() -> new ImageException(
          ImageException.Reason.UNAUTHORIZED, "registry " + ref.registry() + " requires a user"
              + " name and password and none is configured for it in " + credentials.describe())));
      case "bearer" -> "Bearer " + token(ref, challenge, credential, insecure, credentials);
      default -> throw new ImageException("registry " + ref.registry()
          + " asks for the unsupported authentication scheme '" + challenge.scheme() + "'");
    };
    authorizations.put(key(ref, credentials), value);
    return value;
  }

  /** Says whose access was denied, for an UNAUTHORIZED error. */
  String who(RegistryReference ref, RegistryCredentials credentials) {
    try {
      return credentials.find(ref.registry()).map(c -> "as user '" + c.username() + "'")
          .orElse("anonymously (no credentials for " + ref.registry() + " in "
              + credentials.describe() + ")");
    } catch (ImageException e) {
      return "(" + e.getMessage() + ")";
    }
  }

  private String token(RegistryReference ref, AuthChallenge challenge,
      Optional<RegistryCredentials.Credential> credential, boolean insecure,
      RegistryCredentials credentials) throws ImageException {
    String realm = challenge.param("realm");
    if (realm.isEmpty()) {
      throw new ImageException("registry " + ref.registry() + " sent a Bearer challenge without a"
          + " realm");
    }
    String scope = challenge.param("scope").isEmpty()
        ? "repository:" + ref.repository() + ":pull" : challenge.param("scope");
    StringBuilder query = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?')
        .append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    if (!challenge.param("service").isEmpty()) {
      query.append("&service=")
          .append(URLEncoder.encode(challenge.param("service"), StandardCharsets.UTF_8));
    }
    URI uri = URI.create(query.toString());
    if (credential.isPresent() && !"https".equals(uri.getScheme()) && !insecure) {
      throw new ImageException(ImageException.Reason.UNAUTHORIZED, "registry " + ref.registry()
          + " sends credentials to a plain HTTP token server (" + realm + "); refusing");
    }
    Map<String, String> headers = credential
        .map(c -> Map.of("Authorization", "Basic " + basic(c))).orElse(Map.of());
    String what = "token for " + ref.registry() + "/" + ref.repository() + " from " + realm;
    HttpResponse<InputStream> response = http.get(uri, headers, what);
    int status = response.statusCode();
    if (status == 401 || status == 403) {
      String summary = RegistryHttp.errorSummary(response);
      throw new ImageException(ImageException.Reason.UNAUTHORIZED, what + ": the token server"
          + " refused access " + who(ref, credentials) + " (HTTP " + status + summary + ")");
    }
    if (status != 200) {
      throw new ImageException(what + ": unexpected HTTP " + status
          + RegistryHttp.errorSummary(response));
    }
    try (InputStream in = response.body()) {
      JsonNode body = JSON.readTree(in.readNBytes(1 << 20));
      String token = body.path("token").asText(body.path("access_token").asText(""));
      if (token.isEmpty()) {
        throw new ImageException(what + ": the answer has no token");
      }
      return token;
    } catch (IOException e) {
      throw new ImageException(ImageException.Reason.UNREACHABLE,
          what + ": cannot read the answer (" + e + ")", e);
    }
  }

  private static String basic(RegistryCredentials.Credential c) {
    return Base64.getEncoder().encodeToString(
        (c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
  }

  private static String key(RegistryReference ref, RegistryCredentials credentials) {
    return ref.registry() + "/" + ref.repository() + "#" + credentials.fingerprint(ref.registry());
  }
}
