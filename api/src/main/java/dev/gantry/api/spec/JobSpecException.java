package dev.gantry.api.spec;

import java.util.List;
import java.util.stream.Collectors;

/** A job spec that cannot be used; carries every problem found, rendered one per line. */
public final class JobSpecException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<FieldError> errors;

  public JobSpecException(List<FieldError> errors) {
    super(errors.stream().map(FieldError::toString).collect(Collectors.joining("\n")));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a JobSpecException needs at least one error");
    }
    this.errors = List.copyOf(errors);
  }

  public List<FieldError> errors() {
    return errors;
  }
}
