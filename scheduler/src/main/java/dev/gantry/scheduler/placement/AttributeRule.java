package dev.gantry.scheduler.placement;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One operator applied to a node attribute's value: the meaning shared by constraints and
 * affinities. {@code matches(null)} answers for a node that lacks the attribute. An operator
 * or operand the validator should have refused matches nothing, so a bad rule never places
 * work where it was not wanted.
 */
final class AttributeRule {
    private final String attribute;
    private final String operator;
    private final String value;
    private final List<String> values;
    private final Set<String> valueSet;
    private final Pattern pattern;
    private final VersionRange versions;

    AttributeRule(String attribute, String operator, String value, List<String> values) {
        this.attribute = attribute;
        this.operator = operator;
        this.value = value;
        this.values = List.copyOf(values);
        this.valueSet = Set.copyOf(values);
        this.pattern = operator.equals("regexp") ? compile(value) : null;
        this.versions = operator.equals("version") ? VersionRange.parse(value) : null;
    }

    NodeAttribute attribute() {
        return NodeAttribute.parse(attribute);
    }

    boolean matches(String actual) {
        return switch (operator) {
            case "=", "==" -> actual != null && actual.equals(value);
            case "!=" -> actual == null || !actual.equals(value);
            case "in" -> actual != null && valueSet.contains(actual);
            case "not_in" -> actual == null || !valueSet.contains(actual);
            case "regexp" -> actual != null && pattern != null && pattern.matcher(actual).find();
            case "version" -> actual != null && versions != null && versions.matches(actual);
            case "is_set" -> actual != null;
            case "is_not_set" -> actual == null;
            default -> false;
        };
    }

    /** "node.labels.zone in [eu-1, eu-2]", "node.os.arch = amd64", "node.labels.gpu is_set". */
    String describe() {
        return switch (operator) {
            case "in", "not_in" -> attribute + " " + operator + " [" + String.join(", ", values) + "]";
            case "is_set", "is_not_set" -> attribute + " " + operator;
            default -> attribute + " " + operator + " " + value;
        };
    }

    private static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }
}
