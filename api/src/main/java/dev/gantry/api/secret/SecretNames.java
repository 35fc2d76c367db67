package dev.gantry.api.secret;

import java.util.Optional;
import java.util.regex.Pattern;

/** Secret names: DNS labels, as job and task names are, since they become etcd key parts. */
public final class SecretNames {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  private SecretNames() {}

  /** What is wrong with a secret name, or empty when it is a good one. */
  public static Optional<String> problem(String name) {
    if (name.isEmpty()) {
      return Optional.of("a secret name is required");
    }
    if (!DNS_LABEL.matcher(name).matches()) {
      return Optional.of("\"" + name + "\" is not a DNS label: use at most 63 lower-case letters,"
          + " digits and '-', starting and ending with a letter or digit");
    }
    return Optional.empty();
  }
}
