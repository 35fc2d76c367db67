package dev.gantry.agent.image;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge, e.g.
 * {@code Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"}.
 * Only the first challenge of a header is read: registries send one.
 *
 * @param scheme lowercase ("bearer", "basic")
 * @param params parameter names lowercase, values unquoted
 */
record AuthChallenge(String scheme, Map<String, String> params) {

  static AuthChallenge parse(String header) throws ImageException {
    String h = header == null ? "" : header.strip();
    int space = h.indexOf(' ');
    String scheme = (space < 0 ? h : h.substring(0, space)).toLowerCase(Locale.ROOT);
    if (scheme.isEmpty()) {
      throw new ImageException("registry answered 401 without a WWW-Authenticate challenge");
    }
    Map<String, String> params = new HashMap<>();
    int i = space < 0 ? h.length() : space + 1;
    while (i < h.length()) {
      while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
        i++;
      }
      int eq = h.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String name = h.substring(i, eq).strip().toLowerCase(Locale.ROOT);
      StringBuilder value = new StringBuilder();
      i = eq + 1;
      if (i < h.length() && h.charAt(i) == '"') {
        for (i++; i < h.length() && h.charAt(i) != '"'; i++) {
          if (h.charAt(i) == '\\' && i + 1 < h.length()) {
            i++;
          }
          value.append(h.charAt(i));
        }
        i++; // closing quote
      } else {
        for (; i < h.length() && h.charAt(i) != ','; i++) {
          value.append(h.charAt(i));
        }
      }
      params.put(name, value.toString().strip());
    }
    return new AuthChallenge(scheme, Map.copyOf(params));
  }

  String param(String name) {
    return params.getOrDefault(name, "");
  }
}
