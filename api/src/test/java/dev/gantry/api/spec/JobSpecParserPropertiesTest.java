package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.gantry.api.v1.Job;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzes the parser by mutating the sketch, a valid spec: wrong types, huge and negative
 * numbers, unicode, long strings, deep nesting, unknown and duplicate keys, aliases, binary
 * junk, cut-off text and extra documents. Whatever comes in, a spec is either a job that
 * validates or a {@link JobSpecException} whose every problem names its field, in our words.
 */
class JobSpecParserPropertiesTest {
  private static final String PLAIN = "[A-Za-z0-9_-]+";
  private static final String BRACKETS = "(?:\\[\\d+]|\\[\"(?:[^\"\\\\]|\\\\.)*\"(?:\\.\\.\\. \\(\\d+ characters\\))?])";
  // tasks[0].env.LOG_LEVEL, tasks[0].env["a b"], ["odd key"]: what FieldPath builds.
  private static final Pattern FIELD_PATH =
      Pattern.compile("(?:" + PLAIN + "|" + BRACKETS + ")(?:\\." + PLAIN + "|" + BRACKETS + ")*");
  // `key: value` and `- key: value` lines of block style; flow lines ({...}) are left to the other mutations.
  private static final Pattern KEY_LINE = Pattern.compile("^(\\s*(?:- )?[^:#{\\[\"']+:)(?: .*)?$");
  private static final Pattern VALUE_LINE = Pattern.compile("^(\\s*(?:- )?[a-z_]+: )([^#{\\[&*].*)$");
  private static final String SKETCH = sketch();

  enum Kind { VALUE, KEY, DUPLICATE, DELETE, ALIAS, JUNK, CUT, DOCUMENT }

  /** One edit of the spec's text; {@code at} picks a line or a character, modulo the text's size. */
  record Mutation(Kind kind, int at, String payload) {}

  @Example
  void theUnmutatedSketchIsAValidJob() {
    assertThat(JobSpecs.problems(SKETCH)).isEmpty();
    assertThat(JobSpecs.problems(json(SKETCH))).isEmpty();
  }

  @Property(tries = 1000)
  void aMutatedSpecIsAValidJobOrProblemsWithFieldPaths(@ForAll("mutations") List<Mutation> mutations) {
    assertOnlyFieldProblems(mutate(SKETCH, mutations));
  }

  @Property(tries = 300)
  void aMutatedJsonSpecIsAValidJobOrProblemsWithFieldPaths(@ForAll("characterMutations") List<Mutation> mutations) {
    assertOnlyFieldProblems(mutate(json(SKETCH), mutations));
  }

  // The invariant above holds even when an alias is read as its name ("a1" is a fine value):
  // this one does not.
  @Property(tries = 200)
  void anAliasIsAlwaysReportedAtItsField(@ForAll("aliasMutations") Mutation alias) {
    List<FieldError> found = new JobSpecParser().parse(mutate(SKETCH, List.of(alias))).errors();
    assertThat(found).filteredOn(e -> e.message().startsWith("YAML aliases (*a1) are not supported"))
        .singleElement().satisfies(e -> assertThat(e.path()).isNotEmpty());
  }

  /** The invariant: a job that validates, or problems that each name a field (or the document) in our words. */
  private static void assertOnlyFieldProblems(String text) {
    try {
      Job job = JobSpecs.parseAndValidate(text);
      assertThat(JobValidator.validate(JobDefaults.apply(job))).isEmpty();
    } catch (JobSpecException e) {
      boolean readable = new JobSpecParser().parse(text).readable();
      assertThat(e.errors()).isNotEmpty().allSatisfy(error -> {
        assertThat(error.message()).isNotBlank().hasSizeLessThan(1_000)
            .doesNotContainIgnoringCase("snakeyaml").doesNotContainIgnoringCase("jackson")
            .doesNotContain("Exception", "Event", "\tat ");
        if (error.path().isEmpty()) {
          // FieldError's documented top-level path: only for a document that could not be read as a job.
          assertThat(readable).as("a problem without a path in a readable spec: %s", error).isFalse();
        } else {
          assertThat(error.path()).matches(FIELD_PATH).hasSizeLessThan(6_000);
        }
      });
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<Mutation> line = Combinators.combine(Arbitraries.of(Kind.VALUE, Kind.KEY, Kind.DUPLICATE, Kind.DELETE),
        Arbitraries.integers().greaterOrEqual(0), values()).as(Mutation::new);
    return Arbitraries.oneOf(line, line, line, aliasMutations(), characterMutation()).list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<List<Mutation>> characterMutations() {
    return characterMutation().list().ofMinSize(1).ofMaxSize(3);
  }

  @Provide
  Arbitrary<Mutation> aliasMutations() {
    return Arbitraries.integers().greaterOrEqual(0).map(at -> new Mutation(Kind.ALIAS, at, ""));
  }

  private static Arbitrary<Mutation> characterMutation() {
    Arbitrary<String> junk = Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(20),
        Arbitraries.strings().withChars("\u0000\u0001\u0007\u001b\u007f\ufffe\ud800\udfff\t\n\r:{}[]&*!|>'\"#-?%@`,")
            .ofMinLength(1).ofMaxLength(10));
    return Combinators.combine(Arbitraries.of(Kind.JUNK, Kind.CUT, Kind.DOCUMENT), Arbitraries.integers().greaterOrEqual(0),
        Arbitraries.oneOf(junk, values())).as(Mutation::new);
  }

  /** What a value (or a key) may be replaced with. */
  private static Arbitrary<String> values() {
    Arbitrary<String> wrongTypes = Arbitraries.of("[1, 2]", "{a: 1}", "true", "null", "~", "''", "\"\"", "[]", "{}",
        "[{name: x}]", "!!binary aGVsbG8=", "!!int abc", "!!float abc", "!!str 1", "2001-12-14", "? a", "|\n  text");
    Arbitrary<String> numbers = Arbitraries.oneOf(
        Arbitraries.of("-1", "0", "70000", "65536", "99999999999999999999", "1e999999999", "-1e-999999999", "1e400",
            ".inf", "-.inf", ".nan", "0x1F", "0o17", "1_000", "1.5", "-0.0", "+5"),
        Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(30).negate(), java.math.BigInteger.TEN.pow(30))
            .map(Object::toString),
        Arbitraries.integers().between(1, 2_000).map(n -> "9".repeat(n)));
    Arbitrary<String> strings = Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40).map(JobSpecParserPropertiesTest::doubleQuoted),
        Arbitraries.strings().alpha().numeric().withChars("éß网😀-_.").ofMinLength(1).ofMaxLength(30),
        Arbitraries.integers().between(64, 100_000).map("a"::repeat),
        Arbitraries.integers().between(100, 20_000).map(n -> "'" + "9".repeat(n) + "x'"));
    Arbitrary<String> nesting = Arbitraries.integers().between(1, 1_500).flatMap(n -> Arbitraries.of(
        "[".repeat(n) + "]".repeat(n), "{a: ".repeat(n) + "1" + "}".repeat(n)));
    Arbitrary<String> keys = Arbitraries.of("name", "image", "nmae", "imge", "stopGrace", "<<", "tasks", "env", "count");
    return Arbitraries.oneOf(wrongTypes, numbers, strings, nesting, keys);
  }

  private static String mutate(String spec, List<Mutation> mutations) {
    String text = spec;
    for (Mutation m : mutations) {
      text = switch (m.kind()) {
        case JUNK -> insertAt(text, m.at(), m.payload());
        case CUT -> text.substring(0, m.at() % (text.length() + 1));
        case DOCUMENT -> text + "\n---\n" + m.payload() + "\n";
        default -> String.join("\n", mutateLines(new ArrayList<>(text.lines().toList()), m)) + "\n";
      };
    }
    return text;
  }

  private static List<String> mutateLines(List<String> lines, Mutation m) {
    if (lines.isEmpty()) {
      return lines;
    }
    int at = m.at() % lines.size();
    String line = lines.get(at);
    Matcher key = KEY_LINE.matcher(line);
    switch (m.kind()) {
      case VALUE -> {
        if (key.matches()) {
          lines.set(at, key.group(1) + " " + m.payload().replace("\n", "\n" + indent(line) + "  "));
        }
      }
      case KEY -> lines.add(at, indent(line) + m.payload().replace("\n", " ") + ": 1");
      // A `- name: web` line copied as `  name: web`: the same key twice in one mapping.
      case DUPLICATE -> lines.add(at + 1, indent(line) + line.strip().replaceFirst("^- ", ""));
      case DELETE -> lines.remove(at);
      case ALIAS -> alias(lines, at);
      default -> throw new IllegalArgumentException(m.kind().name());
    }
    return lines;
  }

  /** Anchors the value of one plain `key: value` line and refers to it from the next one. */
  private static void alias(List<String> lines, int at) {
    List<Integer> values = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (VALUE_LINE.matcher(lines.get(i)).matches()) {
        values.add(i);
      }
    }
    if (values.size() < 2) {
      return;  // cut or mangled by an earlier mutation
    }
    int anchor = values.get(at % (values.size() - 1));
    int alias = values.get(at % (values.size() - 1) + 1);
    Matcher a = VALUE_LINE.matcher(lines.get(anchor));
    Matcher b = VALUE_LINE.matcher(lines.get(alias));
    if (a.matches() && b.matches()) {
      lines.set(anchor, a.group(1) + "&a1 " + a.group(2));
      lines.set(alias, b.group(1) + "*a1");
    }
  }

  /** Indentation to add a key to the mapping of {@code line}: `- ` counts as two spaces. */
  private static String indent(String line) {
    String lead = line.substring(0, line.length() - line.stripLeading().length());
    return line.stripLeading().startsWith("- ") ? lead + "  " : lead;
  }

  private static String insertAt(String text, int at, String junk) {
    int i = at % (text.length() + 1);
    return text.substring(0, i) + junk + text.substring(i);
  }

  /** A YAML double-quoted scalar of any chars, escaped so that the chars YAML forbids survive. */
  private static String doubleQuoted(String s) {
    StringBuilder out = new StringBuilder("\"");
    s.chars().forEach(c -> {
      if (c == '"' || c == '\\') {
        out.append('\\').append((char) c);
      } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSurrogate((char) c) || c >= 0xfffe) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.append((char) c);
      }
    });
    return out.append('"').toString();
  }

  private static String json(String yaml) {
    try {
      return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(new YAMLMapper().readTree(yaml));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sketch() {
    try {
      return JobSpecParserTest.sketch();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
