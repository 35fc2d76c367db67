package dev.gantry.api.spec;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The problems found while validating one job, and the field checks shared by its parts. */
final class Problems {
  // RFC 1123 label: names become hostnames, directory names and etcd keys.
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  private final List<FieldError> errors = new ArrayList<>();

  void add(String path, String message) {
    errors.add(new FieldError(path, message));
  }

  List<FieldError> list() {
    return List.copyOf(errors);
  }

  static boolean isDnsLabel(String value) {
    return DNS_LABEL.matcher(value).matches();
  }

  void requireDnsLabel(String path, String value) {
    if (value.isEmpty()) {
      add(path, "is required");
    } else if (!isDnsLabel(value)) {
      add(path, Quoted.of(value) + " is not a DNS label: use at most 63 lower-case letters, digits"
          + " and '-', starting and ending with a letter or digit");
    }
  }

  void requireNonNegative(String path, long value) {
    if (value < 0) {
      add(path, "must not be negative, got " + value);
    }
  }

  void requireDuration(String path, Duration d) {
    if (!Durations.isValid(d)) {
      add(path, "is not a valid duration (seconds " + d.getSeconds() + ", nanos " + d.getNanos() + ")");
    } else if (Durations.isNegative(d)) {
      add(path, "must not be negative, got " + Quantities.formatDuration(d));
    }
  }
}
