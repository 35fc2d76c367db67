package dev.gantry.api.spec;

import java.util.Objects;

/**
 * One problem with a job spec. {@code path} uses the YAML field names
 * ({@code tasks[0].resources.memory}) so the CLI and the scheduler report the same text;
 * it is empty for problems with the document as a whole (e.g. a YAML syntax error).
 */
public record FieldError(String path, String message) {

  public FieldError {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  /** True when this error concerns {@code other} or a field inside it. */
  public boolean isWithin(String other) {
    return path.equals(other)
        || path.startsWith(other + ".")
        || path.startsWith(other + "[");
  }

  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}
