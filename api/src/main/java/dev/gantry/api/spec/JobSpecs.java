package dev.gantry.api.spec;

import dev.gantry.api.v1.Job;
import java.util.ArrayList;
import java.util.List;

/** Parse and validate in one step, reporting parse and validation problems together. */
public final class JobSpecs {
  private static final JobSpecParser PARSER = new JobSpecParser();

  private JobSpecs() {}

  /**
   * The job as written (without {@link JobDefaults}; the scheduler applies those), once it
   * parses and {@code JobDefaults.apply(job)} validates.
   */
  public static Job parseAndValidate(String yaml) throws JobSpecException {
    JobSpecParser.ParseResult parsed = PARSER.parse(yaml);
    List<FieldError> errors = problems(parsed);
    if (!errors.isEmpty()) {
      throw new JobSpecException(errors);
    }
    return parsed.job();
  }

  /** Every problem with {@code yaml}, parse errors first; empty when it is a valid job. */
  public static List<FieldError> problems(String yaml) {
    return problems(PARSER.parse(yaml));
  }

  private static List<FieldError> problems(JobSpecParser.ParseResult parsed) {
    List<FieldError> errors = new ArrayList<>(parsed.errors());
    if (!parsed.readable()) {
      return errors;  // no usable document: validating the empty job would only add noise
    }
    for (FieldError problem : JobValidator.validate(JobDefaults.apply(parsed.job()))) {
      // A field that failed to parse is left unset; "is required" on top would repeat it.
      if (parsed.errors().stream().noneMatch(p -> problem.isWithin(p.path()))) {
        errors.add(problem);
      }
    }
    return errors;
  }
}
