package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gaps a fuzz run of 200 specs found: each is now a problem with a field path. */
class JobSpecHostileInputTest {
  private static final String IMAGE_EXAMPLES =
      " (e.g. registry.example.com/shop/web:1.4.2, nginx@sha256:..., ./web.tar)";

  private static List<String> problems(String yaml) {
    return JobSpecs.problems(yaml).stream().map(FieldError::toString).toList();
  }

  private static String withTask(String fields) {
    return "name: web\ntasks:\n  - {name: web, " + fields + "}\n";
  }

  @Test
  void rejectsAnAliasAtItsPathInsteadOfReadingItsName() {
    assertThat(problems("name: &a9 web\ntasks: [{name: *a9, image: x}]\n"))
        .containsExactly("tasks[0].name: YAML aliases (*a9) are not supported; write the value out");
  }

  @Test
  void rejectsAliasesInListsAndMergeKeysWithoutFurtherNoise() {
    assertThat(problems("""
        name: web
        tasks:
          - &web {name: web, image: x, args: [&flag --v, *flag]}
          - *web
          - {<<: *web, name: api}
        """)).containsExactly(
            "tasks[0].args[1]: YAML aliases (*flag) are not supported; write the value out",
            "tasks[1]: YAML aliases (*web) are not supported; write the value out",
            "tasks[2][\"<<\"]: YAML aliases (*web) are not supported; write the value out",
            "tasks[2].image: is required");
  }

  @Test
  void rejectsAnAliasAsAKey() {
    assertThat(problems("name: &n web\ntasks: []\n*n : x\n"))
        .containsExactly("YAML aliases (*n) are not supported; write the value out");
  }

  @Test
  void anAliasBombCostsOnlyItsOwnText() {
    // "Billion laughs": expanded, 9 levels of 9 aliases each would be 9^9 strings.
    StringBuilder bomb = new StringBuilder("name: web\ntasks: [{name: web, image: x}]\nl0: &l0 [lol]\n");
    for (int level = 1; level < 10; level++) {
      bomb.append("l").append(level).append(": &l").append(level).append(" [")
          .append(String.join(", ", java.util.Collections.nCopies(9, "*l" + (level - 1)))).append("]\n");
    }
    List<FieldError> found = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> JobSpecs.problems(bomb.toString()));
    // One problem per alias written, and l0..l9 are unknown fields.
    assertThat(found).hasSize(81 + 10).filteredOn(e -> e.message().startsWith("YAML aliases (*l")).hasSize(81);
    assertThat(found).first().hasToString("l1[0]: YAML aliases (*l0) are not supported; write the value out");
  }

  @Test
  void reportsNestingTooDeepAtTheKeyThatHoldsIt() {
    String deepList = "[".repeat(60) + "]".repeat(60);
    assertThat(problems(withTask("image: x, env: " + deepList)))
        .containsExactly("tasks[0].env: nested deeper than 50 levels");
    assertThat(problems("{\"name\": \"web\", \"tasks\": [{\"name\": \"web\", \"image\": \"x\", \"args\": " + deepList + "}]}"))
        .containsExactly("tasks[0].args: nested deeper than 50 levels");
    StringBuilder deepMapping = new StringBuilder(withTask("image: x")).append("update:\n");
    for (int level = 1; level < 52; level++) {
      deepMapping.append("  ".repeat(level)).append("a:\n");
    }
    assertThat(problems(deepMapping.toString())).hasSize(2).first().asString()
        .startsWith("update.a.a.a.").endsWith(".a: nested deeper than 50 levels");
  }

  @Test
  void readsNestingUpToTheLimit() {
    // The document is level 1, tasks 2, the task 3, args 4: 46 more lists make 50.
    String deepest = "[".repeat(46) + "]".repeat(46);
    assertThat(problems(withTask("image: x, args: [" + deepest + "]")))
        .containsExactly("tasks[0].args[0]: must be a string, got a list");
  }

  @Test
  void reportsNestingTooDeepEvenToReadOnceAndNothingElse() {
    String bomb = withTask("image: \"::::\", env: " + "[".repeat(5000) + "]".repeat(5000));
    JobSpecParser.ParseResult r = new JobSpecParser().parse(bomb);
    assertThat(r.errors()).extracting(FieldError::toString).containsExactly("tasks[0].env: nested deeper than 50 levels");
    assertThat(r.readable()).isFalse();
    assertThat(problems(bomb)).hasSize(1);
  }

  @Test
  void readsHugeAndNegativeNumbersAsProblemsOfTheirField() {
    assertThat(problems("""
        name: web
        count: 99999999999999999999
        priority: -1
        tasks:
          - name: web
            image: x
            ports: [{name: http, static: 70000}]
            resources: {memory: 1e999999999, cpu: .inf, disk: -1}
            checks: [{name: x, kind: readiness, type: exec, command: [x], failure_threshold: !!float abc}]
        """)).containsExactly(
            "count: must be between -2147483648 and 2147483647",
            "tasks[0].resources.cpu: \".inf\" is not a CPU amount (e.g. 500m, 0.5, 2)",
            "tasks[0].resources.memory: \"1E+999999999\" is not a size (e.g. 256Mi, 1Gi)",
            "tasks[0].checks[0].failure_threshold: must be a whole number, got the string \"abc\"",
            "priority: must be between 1 and 100, got -1",
            "tasks[0].ports[0].static: must be between 1 and 65535, got 70000",
            "tasks[0].resources.disk: must not be negative, got -1");
  }

  @Test
  void reportsLongAndUnicodeStringsQuicklyAndShortly() {
    String longName = "a".repeat(1_000_000);
    List<String> found = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> problems(
        "name: " + longName + "\ntasks:\n  - {name: wéb, image: '" + longName + "', env: {X: '" + longName + "'}}\n"
            + longName.substring(0, 1000) + ": 1\n"));
    assertThat(found).containsExactly(
        "[\"" + "a".repeat(100) + "\"... (1000 characters)]: unknown field (known: namespace, name, type, count,"
            + " priority, restart, tasks, constraints, affinities, spread, update, network)",
        "name: \"" + "a".repeat(100) + "\"... (1000000 characters) is not a DNS label: use at most 63 lower-case"
            + " letters, digits and '-', starting and ending with a letter or digit",
        "tasks[0].name: \"wéb\" is not a DNS label: use at most 63 lower-case letters, digits and '-', starting"
            + " and ending with a letter or digit",
        "tasks[0].image: \"" + "a".repeat(100) + "\"... (1000000 characters) is not an image reference: the name"
            + " is longer than 255 characters" + IMAGE_EXAMPLES);
  }

  @Test
  void rejectsASpecTooLargeBeforeReadingIt() {
    assertThat(problems("name: " + "a".repeat(SpecTree.MAX_CODE_POINTS)))
        .containsExactly("the job spec is too large: 3145734 characters, at most 3145728");
  }

  @Test
  void rejectsBinaryJunkAndInvalidUtf8AsAWholeDocumentProblem() {
    assertThat(problems("name: web\u0000\u0001\u00ff")).containsExactly(
        "the job spec has a character YAML does not allow: U+0000 at line 1, column 10 (is it a binary file?)");
    assertThat(problems("a: 1\nb: \ud800\n")).containsExactly(
        "the job spec has a character YAML does not allow: U+D800 at line 2, column 4 (is it a binary file?)");
    // Bytes that are not UTF-8 decode to U+FFFD, which YAML allows: a scalar, not a mapping.
    String decoded = new String(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3}, StandardCharsets.UTF_8);
    assertThat(problems(decoded)).containsExactly("must be a mapping of fields, got the string \"\ufffd\ufffd\ufffd\"");
  }

  @Test
  void reportsTextCutOffInAnEscapeInOurWords() {
    // Found by the property test: SnakeYAML failed with a NumberFormatException, named in the message.
    assertThat(problems("name: \"\\u")).containsExactly(
        "YAML syntax error at line 1, column 5: the text cannot be read here (is it cut off?)");
  }

  @Test
  void rejectsAKeyThatIsNotAString() {
    assertThat(problems("name: web\ntasks:\n  - ? [a, b]\n    : 1\n"))
        .containsExactly("tasks[0]: a key must be a plain string, not a list or a mapping (line 3)");
    // Also in a value skipped as a duplicate (found by the property test: SnakeYAML's text came through).
    assertThat(problems("name: web\nupdate: {canary: 1}\nupdate:\n  ? [a]\n  : 1\n")).containsExactly(
        "update: duplicate key (also on line 2)",
        "update: a key must be a plain string, not a list or a mapping (line 4)");
  }

  @Test
  void wantsOneDocumentEvenWhenTheDocumentsAreEmpty() {
    assertThat(problems("---\n---\n")).containsExactly("the job spec is empty");
    assertThat(problems("~\n")).containsExactly("the job spec is empty");
    assertThat(problems("name: web\n---\n- 1\n")).containsExactly(
        "line 3: more after the job spec; a job spec is one document (split jobs into files)");
  }
}
