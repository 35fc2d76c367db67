package dev.gantry.api.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Reads the text of a job spec into a tree, token by token, so that what the YAML library
 * would report without a field path, or not at all, is reported at the field: aliases (which
 * Jackson reads as the alias's name), duplicate keys and nesting too deep. A value reported
 * here stays in the tree as a {@link MissingNode}: {@link MappingReader} reads it as absent
 * and reports nothing more about it, and list indexes stay those of the YAML.
 */
final class SpecTree {
  /** Deeper than any spec (tasks[0].checks[0].command[0] is 6): only a mistake or a bomb nests more. */
  static final int MAX_DEPTH = 50;
  /** SnakeYAML's default limit, checked first here for our own wording. */
  static final int MAX_CODE_POINTS = 3 << 20;

  // yes/no/on/off stay strings (YAML 1.1 would make `DEBUG: on` true). Aliases are never
  // expanded by Jackson's parser (no composer), so an alias bomb costs only its own text.
  private static final YAMLFactory YAML = YAMLFactory.builder()
      .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
      .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)  // `image:` is absent (the builder's default is off)
      .loaderOptions(loaderOptions())
      .build();
  // JSON is YAML, but SnakeYAML (YAML 1.1) rejects the tab indentation common in JSON files.
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final Pattern TRAILING_INDEXES = Pattern.compile("(\\[\\d+])+$");
  // Stands for a value nested too deep, already reported, until the key that holds it.
  private static final JsonNode TOO_DEEP = TextNode.valueOf("(nested too deep)");
  private static final Pattern JAVA_EXCEPTION = Pattern.compile("java\\.[\\w.]+(?:Exception|Error)");
  private static final Pattern ALIAS_EVENT = Pattern.compile("AliasEvent\\(anchor=([^)]*)\\)");

  private final JsonParser parser;
  private final List<FieldError> errors;

  private SpecTree(JsonParser parser, List<FieldError> errors) {
    this.parser = parser;
    this.errors = errors;
  }

  /**
   * The document's tree, or null (and an error) when there is no single document that could
   * be read to its end: then nothing of the spec is worth validating.
   */
  static JsonNode read(String text, List<FieldError> errors) {
    if (text.length() > MAX_CODE_POINTS && text.codePointCount(0, text.length()) > MAX_CODE_POINTS) {
      errors.add(new FieldError("", "the job spec is too large: " + text.codePointCount(0, text.length())
          + " characters, at most " + MAX_CODE_POINTS));
      return null;
    }
    JsonFactory factory = text.stripLeading().startsWith("{") ? JSON : YAML;
    try (JsonParser parser = factory.createParser(text)) {
      return new SpecTree(parser, errors).document();
    } catch (Unreadable e) {
      errors.add(e.error);
      return null;
    } catch (JsonProcessingException e) {
      errors.add(new FieldError("", syntaxError(e, text)));
      return null;
    } catch (IOException e) {
      // Reading from a String does no I/O; anything else is a bug in the YAML library.
      throw new IllegalStateException(e);
    }
  }

  private JsonNode document() throws IOException, Unreadable {
    if (next("") == null) {
      errors.add(new FieldError("", "the job spec is empty"));
      return null;
    }
    JsonNode root = value("", 1);
    if (root == TOO_DEEP) {
      return null;
    }
    if (root.isNull()) {
      errors.add(new FieldError("", "the job spec is empty"));
      return null;
    }
    if (parser.nextToken() != null) {
      errors.add(new FieldError("", "line " + parser.currentTokenLocation().getLineNr()
          + ": more after the job spec; a job spec is one document (split jobs into files)"));
      return null;
    }
    return root.isMissingNode() ? null : root;
  }

  /** The value whose first token is the current one; {@code depth} 1 is the document. */
  private JsonNode value(String path, int depth) throws IOException, Unreadable {
    JsonToken token = parser.currentToken();
    if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
      return scalar(path);
    }
    if (depth > MAX_DEPTH) {
      // Reported at the key that holds the value: a run of list indexes ([[[[...]]]], the
      // usual shape of a bomb) says nothing, and the lists in between are dropped with it.
      FieldError tooDeep = new FieldError(TRAILING_INDEXES.matcher(path).replaceFirst(""),
          "nested deeper than " + MAX_DEPTH + " levels");
      try {
        parser.skipChildren();
      } catch (StreamConstraintsException e) {
        throw new Unreadable(tooDeep);  // deeper than even Jackson reads: the rest is lost
      } catch (JsonParseException e) {
        throw keyProblem(e, path);
      }
      errors.add(tooDeep);
      return TOO_DEEP;
    }
    return token == JsonToken.START_OBJECT ? mapping(path, depth) : list(path, depth);
  }

  private JsonNode mapping(String path, int depth) throws IOException, Unreadable {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    Map<String, Integer> lines = new HashMap<>();
    while (nextKey(path) == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      String at = FieldPath.key(path, key);
      Integer first = lines.putIfAbsent(key, parser.currentTokenLocation().getLineNr());
      next(at);
      if (first != null) {
        // The first one is read: reading on (rather than stopping) reports everything else too.
        errors.add(new FieldError(at, "duplicate key (also on line " + first + ")"));
        skip(at);
      } else {
        JsonNode value = value(at, depth + 1);
        out.set(key, value == TOO_DEEP ? MissingNode.getInstance() : value);
      }
    }
    return out;
  }

  private JsonNode list(String path, int depth) throws IOException, Unreadable {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    while (next(path) != JsonToken.END_ARRAY) {
      JsonNode element = value(FieldPath.index(path, out.size()), depth + 1);
      if (element == TOO_DEEP) {
        while (next(path) != JsonToken.END_ARRAY) {
          skip(path);
        }
        return TOO_DEEP;
      }
      out.add(element);
    }
    return out;
  }

  private JsonNode scalar(String path) throws IOException {
    return switch (parser.currentToken()) {
      case VALUE_STRING -> {
        if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
          // Rejected rather than resolved: nothing in a spec needs them, and expanding them is
          // how an alias bomb ("billion laughs") blows up memory.
          errors.add(new FieldError(path, aliasMessage(parser.getText())));
          yield MissingNode.getInstance();
        }
        yield TextNode.valueOf(parser.getText());
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> number();
      case VALUE_TRUE -> BooleanNode.TRUE;
      case VALUE_FALSE -> BooleanNode.FALSE;
      case VALUE_NULL -> NullNode.getInstance();
      case VALUE_EMBEDDED_OBJECT -> parser.getEmbeddedObject() instanceof byte[] bytes
          ? BinaryNode.valueOf(bytes) : TextNode.valueOf(parser.getText());
      default -> TextNode.valueOf(parser.getText());
    };
  }

  /** As Jackson's readTree with BigDecimal floats, so that 1.10 stays 1.10. */
  private JsonNode number() throws IOException {
    try {
      if (parser.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
        return DecimalNode.valueOf(parser.getDecimalValue());
      }
      return switch (parser.getNumberType()) {
        case INT -> IntNode.valueOf(parser.getIntValue());
        case LONG -> LongNode.valueOf(parser.getLongValue());
        default -> BigIntegerNode.valueOf(parser.getBigIntegerValue());
      };
    } catch (JsonProcessingException | NumberFormatException e) {
      // YAML 1.1 floats that Java has no BigDecimal for (.inf, .nan) or `!!float abc`: the text
      // as written, which the field then rejects in its own words.
      return TextNode.valueOf(parser.getText());
    }
  }

  private JsonToken next(String path) throws IOException, Unreadable {
    try {
      return parser.nextToken();
    } catch (StreamConstraintsException e) {
      // A number of over 1000 digits in JSON, a JSON key of over 50,000 characters.
      throw new Unreadable(new FieldError(path, "is too large to read: "
          + e.getOriginalMessage().replaceFirst(", from `[^`]*`", "")));
    }
  }

  /** A key, or the end of the mapping at {@code path}. */
  private JsonToken nextKey(String path) throws IOException, Unreadable {
    try {
      return next(path);
    } catch (JsonParseException e) {
      throw keyProblem(e, path);
    }
  }

  /** Skips a value that is not kept (a second value of a key): its own problems are not reported. */
  private void skip(String path) throws IOException, Unreadable {
    try {
      parser.skipChildren();
    } catch (StreamConstraintsException e) {
      throw new Unreadable(new FieldError(path, "nested too deep to read"));
    } catch (JsonParseException e) {
      throw keyProblem(e, path);
    }
  }

  /**
   * A key that is not a string (a list, a mapping, an alias) in the mapping at or under
   * {@code path}, which Jackson reports naming SnakeYAML's event classes; any other syntax
   * error as it is.
   */
  private static Unreadable keyProblem(JsonParseException e, String path) throws JsonParseException {
    if (e.getOriginalMessage() == null || !e.getOriginalMessage().startsWith("Expected a field name")) {
      throw e;
    }
    Matcher alias = ALIAS_EVENT.matcher(e.getOriginalMessage());
    return new Unreadable(new FieldError(path, alias.find() ? aliasMessage(alias.group(1))
        : "a key must be a plain string, not a list or a mapping (line " + e.getLocation().getLineNr() + ")"));
  }

  private static String aliasMessage(String anchor) {
    return "YAML aliases (*" + anchor + ") are not supported; write the value out";
  }

  private static String syntaxError(JsonProcessingException e, String text) {
    if (e.getCause() instanceof ReaderException reader) {
      return "the job spec has a character YAML does not allow: " + String.format("U+%04X", reader.getCodePoint())
          + " at " + lineAndColumn(text, reader.getPosition()) + " (is it a binary file?)";
    }
    if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
      return "YAML syntax error at line " + (yaml.getProblemMark().getLine() + 1)
          + ", column " + (yaml.getProblemMark().getColumn() + 1) + ": " + yaml.getProblem();
    }
    String where = e.getLocation() == null ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    // SnakeYAML fails on some cut-off text (a \\u escape at the very end) with a Java
    // exception, whose name and text Jackson passes on.
    String problem = e.getOriginalMessage() == null || JAVA_EXCEPTION.matcher(e.getOriginalMessage()).find()
        ? "the text cannot be read here (is it cut off?)" : e.getOriginalMessage();
    return "YAML syntax error" + where + ": " + problem;
  }

  /** "line 2, column 7" for a position counted in code points, as SnakeYAML counts. */
  private static String lineAndColumn(String text, int codePoints) {
    int line = 1;
    int column = 1;
    for (int i = 0, seen = 0; i < text.length() && seen < codePoints; i += Character.charCount(text.codePointAt(i)), seen++) {
      if (text.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return "line " + line + ", column " + column;
  }

  private static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    // A backstop never reached first: read() checks the size itself, in its own words.
    options.setCodePointLimit(MAX_CODE_POINTS + 1024);
    return options;
  }

  /** The spec cannot be read further; {@code error} says where and why. */
  private static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient FieldError error;

    Unreadable(FieldError error) {
      super(error.toString(), null, false, false);
      this.error = error;
    }
  }
}
