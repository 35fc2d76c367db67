package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.api.v1.Job;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobSpecsTest {

  private static final String MANY_PROBLEMS = """
      name: Web_App
      count: -2
      tasks:
        - name: web
          resources: {memory: lots, cpu: 250m}
          ports: [{name: http}]
        - name: api
          image: api:1
          resources: {memroy: 1Gi}
          ports: [{name: http, static: 8080}]
      """;

  @Test
  void reportsParseAndValidationProblemsTogether() {
    assertThat(JobSpecs.problems(MANY_PROBLEMS)).extracting(FieldError::toString).containsExactly(
        "tasks[0].resources.memory: \"lots\" is not a size (e.g. 256Mi, 1Gi)",
        "tasks[1].resources.memroy: unknown field; did you mean `memory`?",
        "name: \"Web_App\" is not a DNS label: use at most 63 lower-case letters, digits and '-',"
            + " starting and ending with a letter or digit",
        "count: must be between 0 and 10000, got -2",
        "tasks[1].ports[0].name: duplicate port name \"http\" (also tasks[0].ports[0].name)",
        "tasks[0].image: is required");
  }

  @Test
  void throwsWithEveryProblemOnePerLine() {
    assertThatThrownBy(() -> JobSpecs.parseAndValidate(MANY_PROBLEMS))
        .isInstanceOfSatisfying(JobSpecException.class, e -> {
          assertThat(e.errors()).hasSize(6);
          assertThat(e.getMessage().lines()).hasSize(6)
              .first().isEqualTo("tasks[0].resources.memory: \"lots\" is not a size (e.g. 256Mi, 1Gi)");
        });
  }

  @Test
  void doesNotRepeatAFieldThatFailedToParse() {
    assertThat(JobSpecs.problems("name: web\ntasks: [{name: web, image: [a]}, 7]"))
        .extracting(FieldError::toString).containsExactly(
            "tasks[0].image: must be a string, got a list",
            "tasks[1]: must be a mapping of fields, got 7");
  }

  @Test
  void stopsAtASyntaxError() {
    assertThat(JobSpecs.problems("name: [web\n")).singleElement()
        .satisfies(e -> assertThat(e.path()).isEmpty());
  }

  @Test
  void returnsTheJobAsWritten() throws IOException, JobSpecException {
    Job job = JobSpecs.parseAndValidate(JobParserFixtures.sketchWithoutDefaults());
    assertThat(job.getTasks(0).hasResources()).isFalse();
    assertThat(job.getName()).isEqualTo("web");
  }

  @Test
  void rendersAnErrorWithoutAPathAsItsMessage() {
    assertThat(new FieldError("", "the job spec is empty")).hasToString("the job spec is empty");
    assertThat(new FieldError("count", "must be a whole number")).hasToString("count: must be a whole number");
    assertThat(new JobSpecException(List.of(new FieldError("a", "x"), new FieldError("b", "y"))))
        .hasMessage("a: x\nb: y");
  }
}
