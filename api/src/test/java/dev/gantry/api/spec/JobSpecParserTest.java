package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobType;
import dev.gantry.api.v1.Network;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.Task;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobSpecParserTest {
  private final JobSpecParser parser = new JobSpecParser();

  static String sketch() throws IOException {
    try (InputStream in = JobSpecParserTest.class.getResourceAsStream("jobspec-sketch.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private List<String> errors(String yaml) {
    return parser.parse(yaml).errors().stream().map(FieldError::toString).toList();
  }

  @Test
  void readsTheNetworkModeAndContainerPorts() {
    JobSpecParser.ParseResult r = parser.parse("""
        name: redis
        network: {mode: bridge}
        tasks: [{name: redis, image: x, ports: [{name: redis, to: 6379}, {name: admin, static: 9090, to: 90}]}]
        """);
    assertThat(r.errors()).isEmpty();
    assertThat(r.job().getNetwork().getMode()).isEqualTo(Network.Mode.BRIDGE);
    assertThat(r.job().getTasks(0).getPorts(0).getTo()).isEqualTo(6379);
    assertThat(r.job().getTasks(0).getPorts(1).getStatic()).isEqualTo(9090);
    assertThat(r.job().getTasks(0).getPorts(1).getTo()).isEqualTo(90);
    assertThat(parser.parse("name: a\nnetwork: {mode: host}\ntasks: [{name: a, image: x}]").job().getNetwork().getMode())
        .isEqualTo(Network.Mode.HOST);
    assertThat(JobDefaults.networkMode(parser.parse("name: a\ntasks: [{name: a, image: x}]").job()))
        .isEqualTo(JobDefaults.NETWORK_MODE);
  }

  @Test
  void reportsAnUnknownNetworkModeAndField() {
    assertThat(errors("""
        name: a
        network: {mode: bridged, ipv6: true}
        tasks: [{name: a, image: x, ports: [{name: p, to: "80"}]}]
        """)).containsExactly(
            "tasks[0].ports[0].to: must be a whole number, got the string \"80\"",
            "network.ipv6: unknown field (known: mode)",
            "network.mode: \"bridged\" is not a network mode (one of: bridge, host, none); did you mean `bridge`?");
  }

  @Test
  void aDistinctPropertyLimitIsReadAsTheConstraintsValue() {
    JobSpecParser.ParseResult r = parser.parse("""
        name: web
        tasks: [{name: web, image: x}]
        constraints:
          - {attribute: node.labels.rack, operator: distinct_property, value: 2}
        """);
    assertThat(r.errors()).isEmpty();
    assertThat(r.job().getConstraints(0).getOperator()).isEqualTo("distinct_property");
    assertThat(r.job().getConstraints(0).getValue()).isEqualTo("2");
    assertThat(JobValidator.validate(JobDefaults.apply(r.job()))).isEmpty();
  }

  @Test
  void theSketchParsesIntoEveryField() throws IOException {
    JobSpecParser.ParseResult result = parser.parse(sketch());
    assertThat(result.errors()).isEmpty();
    Job job = result.job();
    assertThat(job.getNamespace()).isEqualTo("shop");
    assertThat(job.getName()).isEqualTo("web");
    assertThat(job.getType()).isEqualTo(JobType.SERVICE);
    assertThat(job.getCount()).isEqualTo(6);
    assertThat(job.getConstraintsList()).hasSize(3);
    assertThat(job.getConstraints(0).getValuesList()).containsExactly("eu-1", "eu-2");
    assertThat(job.getConstraints(1).getOperator()).isEqualTo("=");
    assertThat(job.getConstraints(2).getDistinctHosts()).isTrue();
    assertThat(job.getAffinities(0).getWeight()).isEqualTo(50);
    assertThat(job.getSpread(0).getTargetsMap()).containsEntry("eu-1", "50%").containsEntry("eu-2", "50%");
    assertThat(job.getUpdate().getMaxSurge()).isEqualTo("1");
    assertThat(job.getUpdate().getProgressDeadline()).isEqualTo(Durations.fromMinutes(10));
    assertThat(job.getUpdate().getAutoRevert()).isTrue();
    assertThat(job.getUpdate().getCanary()).isEqualTo(1);
    assertThat(job.getRestart().getMode()).isEqualTo(RestartPolicy.Mode.ON_FAILURE);
    assertThat(job.getRestart().getInterval()).isEqualTo(Durations.fromMinutes(5));

    Task web = job.getTasks(0);
    assertThat(web.getDriver()).isEqualTo("runc");
    assertThat(web.getArgsList()).containsExactly("--listen", "0.0.0.0:${GANTRY_PORT_HTTP}");
    assertThat(web.getEnvMap()).containsEntry("LOG_LEVEL", "info");
    assertThat(web.getResources().getCpuMillis()).isEqualTo(500);
    assertThat(web.getResources().getMemoryBytes()).isEqualTo(256L << 20);
    assertThat(web.getResources().getDiskBytes()).isEqualTo(1L << 30);
    assertThat(web.getPorts(0).getName()).isEqualTo("http");
    assertThat(web.getChecks(0).getFailureThreshold()).isEqualTo(3);
    assertThat(web.getChecks(1).getType()).isEqualTo("tcp");
    assertThat(web.getStopGrace()).isEqualTo(Durations.fromSeconds(30));
    assertThat(web.getSecurity().getUser()).isEqualTo("1000");
    assertThat(web.getSecurity().getReadOnlyRootfs()).isTrue();
  }

  @Test
  void readsCheckTimingsAndThresholds() {
    JobSpecParser.ParseResult r = parser.parse("""
        name: web
        tasks:
          - name: web
            image: x
            ports: [{name: http}]
            checks:
              - {name: ready, kind: readiness, type: http, port: http, path: /healthz,
                 interval: 5s, timeout: 2s, initial_delay: 3s, failure_threshold: 3, success_threshold: 2}
        """);
    assertThat(r.errors()).isEmpty();
    var check = r.job().getTasks(0).getChecks(0);
    assertThat(check.getInitialDelay().getSeconds()).isEqualTo(3);
    assertThat(check.getSuccessThreshold()).isEqualTo(2);
    assertThat(check.getFailureThreshold()).isEqualTo(3);
  }

  @Test
  void fillsTheSpecDefaults() {
    Job job = parser.parse("name: web\ntasks: [{name: web, image: x}]").job();
    assertThat(job.getNamespace()).isEqualTo("default");
    assertThat(job.getType()).isEqualTo(JobType.SERVICE);
    assertThat(job.getCount()).isEqualTo(1);
    assertThat(job.getPriority()).isEqualTo(50);
    assertThat(job.hasRestart()).isFalse();
  }

  @Test
  void acceptsTheOtherJobTypesAndAnExplicitZeroCount() {
    assertThat(parser.parse("type: batch\ncount: 0").job().getType()).isEqualTo(JobType.BATCH);
    assertThat(parser.parse("type: system").job().getType()).isEqualTo(JobType.SYSTEM);
    assertThat(parser.parse("count: 0").job().getCount()).isZero();
  }

  @Test
  void readsThePullPolicy() {
    Task task = parser.parse("tasks: [{image: 'registry.example.com/app:1', pull_policy: always}]").job().getTasks(0);
    assertThat(task.getPullPolicy()).isEqualTo("always");
  }

  @Test
  void readsTheImagePullSecretName() {
    Task task = parser.parse("tasks: [{image: 'registry.example.com/app:1', image_pull_secret: regcred}]")
        .job().getTasks(0);
    assertThat(task.getImagePullSecret()).isEqualTo("regcred");
  }

  @Test
  void readsACommandStringAsOneElement() {
    Task task = parser.parse("tasks: [{command: /bin/sh -c true}]").job().getTasks(0);
    assertThat(task.getCommandList()).containsExactly("/bin/sh -c true");
  }

  @Test
  void stringifiesScalarsInEnvAndArgsAsWritten() {
    Task task = parser.parse("""
        tasks:
          - args: [--port, 8080, 1.10]
            env: {PORT: 8080, DEBUG: true, VERBOSE: on, RATIO: 1.10, NAME: x}
        """).job().getTasks(0);
    assertThat(task.getArgsList()).containsExactly("--port", "8080", "1.10");
    assertThat(task.getEnvMap()).containsEntry("PORT", "8080").containsEntry("DEBUG", "true")
        .containsEntry("VERBOSE", "on").containsEntry("RATIO", "1.10").containsEntry("NAME", "x");
  }

  @Test
  void readsJson() {
    JobSpecParser.ParseResult result = parser.parse("""
        {"name": "web", "count": 2,
         "tasks": [{"name": "web", "image": "x", "resources": {"memory": "1Gi", "cpu": 0.5}}]}
        """);
    assertThat(result.errors()).isEmpty();
    assertThat(result.job().getTasks(0).getResources().getCpuMillis()).isEqualTo(500);
    // Tab-indented JSON, which a YAML 1.1 scanner refuses.
    assertThat(errors("{\n\t\"name\": \"web\",\n\t\"count\": 2\n}\n")).isEmpty();
    assertThat(errors("{\"name\": \"web\",\n \"count\": }")).singleElement().asString()
        .startsWith("YAML syntax error at line 2, column ");
  }

  @Test
  void readsNumericQuantities() {
    Task task = parser.parse("tasks: [{resources: {cpu: 2, memory: 1048576}, stop_grace: 0}]").job().getTasks(0);
    assertThat(task.getResources().getCpuMillis()).isEqualTo(2000);
    assertThat(task.getResources().getMemoryBytes()).isEqualTo(1 << 20);
    assertThat(task.hasStopGrace()).isTrue();
  }

  @Test
  void reportsEveryUnknownFieldWithASuggestionWhenClose() {
    assertThat(errors("""
        nmae: web
        tasks:
          - name: web
            imge: x
            resources: {memroy: 1Gi}
            stopGrace: 5s
            bogus: 1
        """)).containsExactly(
            "nmae: unknown field; did you mean `name`?",
            "tasks[0].imge: unknown field; did you mean `image`?",
            "tasks[0].stopGrace: unknown field; did you mean `stop_grace`?",
            "tasks[0].bogus: unknown field (known: name, driver, image, command, args, env, resources, ports,"
                + " checks, stop_signal, stop_grace, shutdown_delay, working_dir, security, pull_policy,"
                + " image_pull_secret)",
            "tasks[0].resources.memroy: unknown field; did you mean `memory`?");
  }

  @Test
  void reportsEveryWrongTypeAndBadQuantity() {
    assertThat(errors("""
        count: "three"
        priority: 1.5
        type: periodic
        restart: {policy: on_failure, attempts: 99999999999, interval: 5}
        update: {auto_revert: "yes", stagger: 1d}
        tasks:
          - name: [web]
            command: {a: b}
            env: {A: [1], B: }
            resources: {memory: lots, cpu: 0.0001, disk: 1.5}
            ports: [{name: http, static: "80"}]
            security: {read_only_rootfs: 1, capabilities_add: NET_ADMIN}
        """)).containsExactly(
            "type: \"periodic\" is not a job type (one of: service, batch, system)",
            "count: must be a whole number, got the string \"three\"",
            "priority: must be a whole number, got 1.5",
            "restart.policy: \"on_failure\" is not a restart policy (one of: always, on-failure, never);"
                + " did you mean `on-failure`?",
            "restart.attempts: must be between -2147483648 and 2147483647",
            "restart.interval: \"5\" is not a duration (e.g. 10s, 1m30s, 250ms)",
            "tasks[0].name: must be a string, got a list",
            "tasks[0].command: must be a list of strings or a string, got a mapping",
            "tasks[0].env.A: must be a string, got a list",
            "tasks[0].env.B: has no value (write \"\" for an empty string)",
            "tasks[0].resources.cpu: \"0.0001\" is finer than 1m (a thousandth of a core)",
            "tasks[0].resources.memory: \"lots\" is not a size (e.g. 256Mi, 1Gi)",
            "tasks[0].resources.disk: \"1.5\" is not a whole number of bytes",
            "tasks[0].ports[0].static: must be a whole number, got the string \"80\"",
            "tasks[0].security.read_only_rootfs: must be true or false, got 1",
            "tasks[0].security.capabilities_add: must be a list of strings, got the string \"NET_ADMIN\"",
            "update.auto_revert: must be true or false, got the string \"yes\"",
            "update.stagger: \"1d\" is not a duration (e.g. 10s, 1m30s, 250ms)");
  }

  @Test
  void keepsYamlIndexesWhenAListElementIsNotAMapping() {
    JobSpecParser.ParseResult result = parser.parse("tasks: [web, {name: api, imag: x}]");
    assertThat(result.errors()).extracting(FieldError::toString).containsExactly(
        "tasks[0]: must be a mapping of fields, got the string \"web\"",
        "tasks[1].imag: unknown field; did you mean `image`?");
    assertThat(result.job().getTasks(1).getName()).isEqualTo("api");
  }

  @Test
  void reportsSyntaxErrorsWithLineAndColumn() {
    assertThat(errors("name: web\ntasks: [{name: web\ncount: 1\n")).singleElement().asString()
        .startsWith("YAML syntax error at line 3, column ");
    assertThat(errors("name: web\n\tcount: 1\n")).singleElement().asString()
        .startsWith("YAML syntax error at line 2, column 1: ");
  }

  @Test
  void reportsDuplicateKeysByPathAndReadsTheFirst() {
    JobSpecParser.ParseResult r = parser.parse("""
        name: a
        name: b
        tasks:
          - {name: web, image: x, env: {A: 1, A: 2}, name: api}
        """);
    assertThat(r.errors()).extracting(FieldError::toString).containsExactly(
        "name: duplicate key (also on line 1)",
        "tasks[0].env.A: duplicate key (also on line 4)",
        "tasks[0].name: duplicate key (also on line 4)");
    assertThat(r.job().getName()).isEqualTo("a");
    assertThat(r.job().getTasks(0).getEnvMap()).isEqualTo(java.util.Map.of("A", "1"));
    assertThat(errors("{\"name\": \"a\", \"tasks\": [], \"name\": \"b\"}"))
        .containsExactly("name: duplicate key (also on line 1)");
  }

  @Test
  void wantsExactlyOneMappingDocument() {
    assertThat(errors("")).containsExactly("the job spec is empty");
    assertThat(errors("# only a comment\n")).containsExactly("the job spec is empty");
    assertThat(errors("name: a\n---\nname: b\n")).singleElement().asString().contains("line 3: more after the job spec");
    assertThat(errors("- name: a\n")).containsExactly("must be a mapping of fields, got a list");
  }

  @Test
  void treatsAnEmptyFieldAsAbsent() {
    JobSpecParser.ParseResult result = parser.parse("name: web\ntasks:\n  - name: web\n    image:\n");
    assertThat(result.errors()).isEmpty();
    assertThat(result.job().getTasks(0).getImage()).isEmpty();
  }
}
