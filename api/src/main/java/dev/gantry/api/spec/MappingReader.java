package dev.gantry.api.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.google.protobuf.Duration;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One YAML mapping of a spec being read: hands out typed field values and records every
 * problem (unknown field, wrong type, bad quantity) against the field's path instead of
 * stopping. An absent field and an explicit null ({@code image:}) both read as empty.
 */
final class MappingReader {
  private static final int MAX_PLAIN_SCALE = 1000;
  private final JsonNode node;
  private final String path;
  private final List<FieldError> errors;

  private MappingReader(JsonNode node, String path, List<FieldError> errors) {
    this.node = node;
    this.path = path;
    this.errors = errors;
  }

  /**
   * Empty (and an error recorded) when {@code node} is not a mapping. A {@link MissingNode} is a
   * value {@link SpecTree} already reported (an alias, nesting too deep): nothing more is said of it.
   */
  static Optional<MappingReader> of(JsonNode node, String path, List<FieldError> errors, List<String> knownFields) {
    if (node.isMissingNode()) {
      return Optional.empty();
    }
    if (!node.isObject()) {
      errors.add(new FieldError(path, "must be a mapping of fields, got " + describe(node)));
      return Optional.empty();
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!knownFields.contains(name) && !node.get(name).isMissingNode()) {
        String hint = Suggestions.hint(name, knownFields);
        errors.add(new FieldError(FieldPath.key(path, name), "unknown field"
            + (hint.isEmpty() ? " (known: " + String.join(", ", knownFields) + ")" : hint)));
      }
    }
    return Optional.of(new MappingReader(node, path, errors));
  }

  String path() {
    return path;
  }

  String path(String field) {
    return FieldPath.field(path, field);
  }

  void error(String field, String message) {
    errors.add(new FieldError(path(field), message));
  }

  /** Strings take any scalar: {@code user: 1000} means "1000". */
  Optional<String> string(String field) {
    return value(field).flatMap(v -> scalarAt(v, path(field), "a string"));
  }

  Optional<Integer> int32(String field) {
    return value(field).flatMap(v -> {
      if (v.isIntegralNumber() && v.canConvertToInt()) {
        return Optional.of(v.intValue());
      }
      error(field, v.isIntegralNumber()
          ? "must be between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE
          : "must be a whole number, got " + describe(v));
      return Optional.empty();
    });
  }

  Optional<Boolean> bool(String field) {
    return value(field).flatMap(v -> {
      if (v.isBoolean()) {
        return Optional.of(v.booleanValue());
      }
      error(field, "must be true or false, got " + describe(v));
      return Optional.empty();
    });
  }

  Optional<Duration> duration(String field) {
    return quantity(field, "a duration (e.g. 10s)", Quantities::parseDuration);
  }

  Optional<Long> size(String field) {
    return quantity(field, "a size (e.g. 256Mi)", Quantities::parseSize);
  }

  Optional<Long> cpu(String field) {
    return quantity(field, "a CPU amount (e.g. 500m)", Quantities::parseCpu);
  }

  /** One of {@code choices} by its YAML spelling, e.g. {@code on-failure}. */
  <E> Optional<E> choice(String field, Map<String, E> choices, String what) {
    return string(field).flatMap(text -> {
      E chosen = choices.get(text);
      if (chosen == null) {
        error(field, Quoted.of(text) + " is not " + what + " (one of: " + String.join(", ", choices.keySet()) + ")"
            + Suggestions.hint(text, choices.keySet()));
      }
      return Optional.ofNullable(chosen);
    });
  }

  /** A list of scalars; with {@code singleAllowed}, a lone scalar is a one-element list. */
  List<String> strings(String field, boolean singleAllowed) {
    List<String> out = new ArrayList<>();
    value(field).ifPresent(v -> {
      if (singleAllowed && v.isValueNode()) {
        scalarAt(v, path(field), "a string").ifPresent(out::add);
      } else if (!v.isArray()) {
        error(field, "must be a list of strings" + (singleAllowed ? " or a string" : "") + ", got " + describe(v));
      } else {
        for (int i = 0; i < v.size(); i++) {
          // "" keeps the indexes of later elements those of the YAML.
          out.add(v.get(i).isMissingNode() ? ""
              : scalarAt(v.get(i), FieldPath.index(path(field), i), "a string").orElse(""));
        }
      }
    });
    return out;
  }

  /** A free-form map of scalars (env, spread targets); values must be present. */
  Map<String, String> stringMap(String field) {
    Map<String, String> out = new LinkedHashMap<>();
    value(field).ifPresent(v -> {
      if (!v.isObject()) {
        error(field, "must be a mapping of names to strings, got " + describe(v));
        return;
      }
      v.fields().forEachRemaining(e -> {
        String keyPath = FieldPath.key(path(field), e.getKey());
        if (e.getValue().isMissingNode()) {
          return;  // reported by SpecTree
        } else if (e.getValue().isNull()) {
          errors.add(new FieldError(keyPath, "has no value (write \"\" for an empty string)"));
        } else {
          scalarAt(e.getValue(), keyPath, "a string").ifPresent(s -> out.put(e.getKey(), s));
        }
      });
    });
    return out;
  }

  Optional<MappingReader> mapping(String field, List<String> knownFields) {
    return value(field).flatMap(v -> of(v, path(field), errors, knownFields));
  }

  /**
   * Reads each mapping of a list in document order. An element that is not a mapping is
   * reported and read as an empty one, so that indexes (and the validator's paths) stay
   * those of the YAML.
   */
  void eachMapping(String field, List<String> knownFields, Consumer<MappingReader> read) {
    value(field).ifPresent(v -> {
      if (!v.isArray()) {
        error(field, "must be a list, got " + describe(v));
        return;
      }
      for (int i = 0; i < v.size(); i++) {
        String at = FieldPath.index(path(field), i);
        read.accept(of(v.get(i), at, errors, knownFields)
            .orElseGet(() -> new MappingReader(JsonNodeFactory.instance.objectNode(), at, errors)));
      }
    });
  }

  private Optional<JsonNode> value(String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.isMissingNode() ? Optional.empty() : Optional.of(v);
  }

  private <T> Optional<T> quantity(String field, String what, Function<String, T> parse) {
    return value(field).flatMap(v -> scalarAt(v, path(field), what)).flatMap(text -> {
      try {
        return Optional.of(parse.apply(text));
      } catch (IllegalArgumentException e) {
        error(field, e.getMessage());
        return Optional.empty();
      }
    });
  }

  private Optional<String> scalarAt(JsonNode v, String at, String what) {
    String text = scalarText(v);
    if (text == null) {
      errors.add(new FieldError(at, "must be " + what + ", got " + describe(v)));
    }
    return Optional.ofNullable(text);
  }

  /** The text of a scalar: numbers as written in plain notation ({@code 1.10} stays "1.10"). */
  static String scalarText(JsonNode v) {
    if (v.isTextual()) {
      return v.textValue();
    } else if (v.isBoolean()) {
      return Boolean.toString(v.booleanValue());
    } else if (v.isIntegralNumber()) {
      return v.bigIntegerValue().toString();
    } else if (v.isBigDecimal()) {
      BigDecimal d = v.decimalValue();
      // 1e999999999 written out in full would be a billion digits: keep such a number as 1E+999999999.
      return Math.abs((long) d.scale()) > MAX_PLAIN_SCALE ? d.toString() : d.toPlainString();
    } else if (v.isNumber()) {
      return v.asText();
    }
    return null;
  }

  static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "the string " + Quoted.of(v.textValue());
    } else if (v.isArray()) {
      return "a list";
    } else if (v.isObject()) {
      return "a mapping";
    } else if (v.isNull()) {
      return "nothing";
    }
    String text = scalarText(v);
    if (text == null) {
      return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
    // A number, as written; 1e400 is 401 digits.
    return text.length() <= Quoted.MAX_SHOWN ? text
        : text.substring(0, Quoted.MAX_SHOWN) + "... (" + text.length() + " digits)";
  }
}
