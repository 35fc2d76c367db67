package dev.gantry.api.spec;

import static dev.gantry.api.spec.FieldPath.field;
import static dev.gantry.api.spec.FieldPath.index;

import dev.gantry.api.v1.Affinity;
import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Spread;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/** Validates constraints, affinities and spread: operators, their operands, weights, targets. */
final class PlacementValidator {
  static final List<String> OPERATORS = List.of("=", "!=", "in", "not_in", "regexp", "version", "is_set", "is_not_set");
  // distinct_property limits the job's own replicas per attribute value: a constraint, never an affinity.
  static final String DISTINCT_PROPERTY = "distinct_property";
  static final List<String> CONSTRAINT_OPERATORS = Stream.concat(OPERATORS.stream(), Stream.of(DISTINCT_PROPERTY)).toList();
  private static final Pattern POSITIVE_INTEGER = Pattern.compile("[1-9]\\d{0,8}");
  private static final List<String> SINGLE_VALUE = List.of("=", "!=", "regexp", "version");
  private static final List<String> MANY_VALUES = List.of("in", "not_in");
  // One or more comma-separated terms like ">= 1.2", "~> 2.0", "< 3.0.0-rc1".
  // Possessive like Quantities' patterns: with greedy \s* on both sides of the operator, a long
  // run of spaces before junk backtracked in quadratic time.
  private static final Pattern VERSION_TERM =
      Pattern.compile("\\s*+(=|!=|>|>=|<|<=|~>)?\\s*+v?\\d++(\\.\\d++)*+(-[0-9A-Za-z.-]++)?\\s*+");
  private static final Pattern PERCENT = Pattern.compile("(\\d{1,3})%");

  private PlacementValidator() {}

  static void validate(Job job, Problems problems) {
    for (int i = 0; i < job.getConstraintsCount(); i++) {
      constraint(job.getConstraints(i), index("constraints", i), problems);
    }
    for (int i = 0; i < job.getAffinitiesCount(); i++) {
      affinity(job.getAffinities(i), index("affinities", i), problems);
    }
    for (int i = 0; i < job.getSpreadCount(); i++) {
      spread(job.getSpread(i), index("spread", i), problems);
    }
  }

  private static void constraint(Constraint c, String path, Problems problems) {
    if (c.getDistinctHosts()) {
      // distinct_hosts stands alone: it is about the job's own replicas, not a node attribute.
      if (!c.getAttribute().isEmpty() || !c.getOperator().isEmpty() || !c.getValue().isEmpty() || c.getValuesCount() > 0) {
        problems.add(path, "distinct_hosts takes no attribute, operator, value or values");
      }
      return;
    }
    if (c.getOperator().equals(DISTINCT_PROPERTY)) {
      distinctProperty(c, path, problems);
      return;
    }
    rule(c.getAttribute(), c.getOperator(), c.getValue(), c.getValuesList(), CONSTRAINT_OPERATORS, path, problems);
  }

  /** At most {@code value} (default 1) replicas per value of {@code attribute}. */
  private static void distinctProperty(Constraint c, String path, Problems problems) {
    if (c.getAttribute().isBlank()) {
      problems.add(field(path, "attribute"), "is required with operator distinct_property (e.g. node.labels.rack)");
    }
    if (!c.getValue().isEmpty() && !POSITIVE_INTEGER.matcher(c.getValue()).matches()) {
      problems.add(field(path, "value"), Quoted.of(c.getValue())
          + " is not a positive integer: distinct_property's value is the most replicas per attribute value (default 1)");
    }
    if (c.getValuesCount() > 0) {
      problems.add(field(path, "values"), "does not apply to distinct_property; give the limit as value");
    }
  }

  private static void affinity(Affinity a, String path, Problems problems) {
    if (a.getOperator().equals(DISTINCT_PROPERTY)) {
      problems.add(field(path, "operator"), "distinct_property is only for constraints; an affinity cannot limit replicas");
    } else {
      rule(a.getAttribute(), a.getOperator(), a.getValue(), a.getValuesList(), OPERATORS, path, problems);
    }
    if (a.getWeight() == 0 || a.getWeight() < -100 || a.getWeight() > 100) {
      problems.add(field(path, "weight"), "must be between -100 and 100 and not 0, got " + a.getWeight());
    }
  }

  private static void rule(String attribute, String operator, String value, List<String> values,
      List<String> operators, String path, Problems problems) {
    if (attribute.isBlank()) {
      problems.add(field(path, "attribute"), "is required (e.g. node.labels.zone)");
    }
    if (operator.isEmpty()) {
      problems.add(field(path, "operator"), "is required (one of " + String.join(", ", operators) + ")");
      return;
    }
    if (operator.equals("distinct_hosts")) {
      problems.add(field(path, "operator"), "distinct_hosts is not an operator; write {distinct_hosts: true} as a constraint");
      return;
    }
    if (!operators.contains(operator)) {
      problems.add(field(path, "operator"), Quoted.of(operator) + " is not an operator (one of "
          + String.join(", ", operators) + ")" + Suggestions.hint(operator, operators));
      return;
    }
    if (SINGLE_VALUE.contains(operator)) {
      if (value.isEmpty()) {
        problems.add(field(path, "value"), "is required with operator " + operator);
      }
      if (!values.isEmpty()) {
        problems.add(field(path, "values"), "is for in and not_in; use value with operator " + operator);
      }
    } else if (MANY_VALUES.contains(operator)) {
      if (values.isEmpty()) {
        problems.add(field(path, "values"), "needs at least one value with operator " + operator);
      }
      if (!value.isEmpty()) {
        problems.add(field(path, "value"), "use values (a list) with operator " + operator);
      }
    } else if (!value.isEmpty() || !values.isEmpty()) {
      problems.add(path, operator + " takes no value or values");
    }
    if (operator.equals("regexp") && !value.isEmpty()) {
      try {
        Pattern.compile(value);
      } catch (PatternSyntaxException e) {
        problems.add(field(path, "value"), Quoted.of(value) + " is not a regular expression: " + e.getDescription());
      }
    }
    if (operator.equals("version") && !value.isEmpty() && !isVersionConstraint(value)) {
      problems.add(field(path, "value"), Quoted.of(value) + " is not a version constraint (e.g. \">= 1.2, < 2.0\")");
    }
  }

  private static boolean isVersionConstraint(String value) {
    for (String term : value.split(",", -1)) {
      if (!VERSION_TERM.matcher(term).matches()) {
        return false;
      }
    }
    return true;
  }

  private static void spread(Spread s, String path, Problems problems) {
    if (s.getAttribute().isBlank()) {
      problems.add(field(path, "attribute"), "is required (e.g. node.labels.zone)");
    }
    int total = 0;
    // Sorted, so the errors come out in a stable order whatever the map's.
    for (Map.Entry<String, String> target : new TreeMap<>(s.getTargetsMap()).entrySet()) {
      String targetPath = FieldPath.key(field(path, "targets"), target.getKey());
      Matcher m = PERCENT.matcher(target.getValue());
      if (target.getKey().isEmpty()) {
        problems.add(targetPath, "the attribute value must not be empty");
      }
      if (!m.matches() || Integer.parseInt(m.group(1)) > 100) {
        problems.add(targetPath, Quoted.of(target.getValue()) + " is not a percentage (e.g. 50%)");
      } else {
        total += Integer.parseInt(m.group(1));
      }
    }
    if (total > 100) {
      problems.add(field(path, "targets"), "add up to " + total + "%, more than 100%");
    }
  }
}
