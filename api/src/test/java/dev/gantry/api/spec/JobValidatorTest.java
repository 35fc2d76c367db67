package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.protobuf.Duration;
import dev.gantry.api.v1.Affinity;
import dev.gantry.api.v1.Check;
import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Network;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.Security;
import dev.gantry.api.v1.Spread;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.UpdateStrategy;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobValidatorTest {

  private static Task.Builder task(String name) {
    return Task.newBuilder().setName(name).setImage("registry.example.com/web:1");
  }

  private static Job.Builder job() {
    return Job.newBuilder().setNamespace("shop").setName("web").setCount(1).setPriority(50)
        .addTasks(task("web"));
  }

  private static List<String> errors(Job.Builder job) {
    return JobValidator.validate(job.build()).stream().map(FieldError::toString).toList();
  }

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  @Test
  void acceptsAMinimalJobAndTheSketch() throws IOException {
    assertThat(errors(job())).isEmpty();
    Job sketch = new JobSpecParser().parse(JobSpecParserTest.sketch()).job();
    assertThat(JobValidator.validate(JobDefaults.apply(sketch))).isEmpty();
  }

  @Test
  void reportsEveryJobLevelProblem() {
    assertThat(errors(Job.newBuilder().setNamespace("Shop").setName("Web_App").setCount(-1)
        .setPriority(101))).containsExactly(
            "namespace: \"Shop\" is not a DNS label: use at most 63 lower-case letters, digits and '-',"
                + " starting and ending with a letter or digit",
            "name: \"Web_App\" is not a DNS label: use at most 63 lower-case letters, digits and '-',"
                + " starting and ending with a letter or digit",
            "count: must be between 0 and 10000, got -1",
            "priority: must be between 1 and 100, got 101",
            "tasks: at least one task is required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "web", "web-1", "0", "a-b-c"})
  void acceptsDnsLabels(String name) {
    assertThat(errors(job().setName(name))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"-web", "web-", "web.app", "WEB", "web app"})
  void rejectsWhatIsNotADnsLabel(String name) {
    assertThat(errors(job().setName(name))).singleElement().asString().startsWith("name: \"" + name + "\" is not a DNS label");
  }

  @Test
  void limitsDnsLabelsTo63Characters() {
    assertThat(errors(job().setName("x".repeat(63)))).isEmpty();
    assertThat(errors(job().setName("x".repeat(64)))).hasSize(1);
  }

  @Test
  void reportsEveryTaskProblem() {
    Job.Builder job = job().clearTasks()
        .addTasks(task("web").setDriver("podman").setStopSignal("SIGFOO").setWorkingDir("app")
            .setStopGrace(seconds(-1))
            .setResources(Resources.newBuilder().setCpuMillis(-1).setMemoryBytes(1024).setDiskBytes(-5))
            .setSecurity(Security.newBuilder().addCapabilitiesAdd("NET ADMIN")))
        .addTasks(task("web").setImage("").setPullPolicy("ifnotpresent"))
        .addTasks(task("").putEnv("A=B", "x"));
    assertThat(errors(job)).containsExactly(
        "tasks[1].name: duplicate task name \"web\" (also tasks[0].name)",
        "tasks[2].name: is required",
        "tasks[0].driver: \"podman\" is not a driver (runc or docker; leave it out for any driver the node has)",
        "tasks[0].resources.cpu: must not be negative, got -1",
        "tasks[0].resources.disk: must not be negative, got -5",
        "tasks[0].resources.memory: must be at least 4Mi, got 1Ki",
        "tasks[0].stop_signal: \"SIGFOO\" is not a signal (one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGKILL,"
            + " SIGUSR1, SIGUSR2, without SIG, or a number 1..64)",
        "tasks[0].stop_grace: must not be negative, got -1s",
        "tasks[0].working_dir: \"app\" is not an absolute path",
        "tasks[0].security.capabilities_add[0]: \"NET ADMIN\" is not a capability name (e.g. NET_ADMIN)",
        "tasks[1].image: is required",
        "tasks[1].pull_policy: \"ifnotpresent\" is not a pull policy (always, if-not-present or never; leave it"
            + " out for always on :latest, if-not-present otherwise); did you mean `if-not-present`?",
        "tasks[2].env[\"A=B\"]: is not a valid environment variable name");
  }

  @Test
  void acceptsAnImagePullSecretThatIsADnsLabel() {
    assertThat(errors(job().setTasks(0, task("web").setImagePullSecret("regcred")))).isEmpty();
  }

  @Test
  void reportsAnImagePullSecretThatIsNotADnsLabelByItsPath() {
    Job.Builder job = job().addTasks(task("sidecar").setImagePullSecret("Reg_Cred"));
    assertThat(errors(job)).containsExactly("tasks[1].image_pull_secret: \"Reg_Cred\" is not a DNS label: use at"
        + " most 63 lower-case letters, digits and '-', starting and ending with a letter or digit");
  }

  @ParameterizedTest
  @ValueSource(strings = {"SIGTERM", "TERM", "SIGKILL", "USR1", "9", "64", "1"})
  void acceptsKnownSignals(String signal) {
    assertThat(errors(job().setTasks(0, task("web").setStopSignal(signal)))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sigterm", "0", "65", "SIGWINCH", "-9"})
  void rejectsOtherSignals(String signal) {
    assertThat(errors(job().setTasks(0, task("web").setStopSignal(signal)))).hasSize(1);
  }

  @Test
  void checksPortsAcrossAllTasksOfTheJob() {
    Job.Builder job = job().clearTasks()
        .addTasks(task("web").addPorts(port("http", 8080)).addPorts(port("admin-ui", 0)).addPorts(port("HTTPS", 70000)))
        .addTasks(task("api").addPorts(port("http", 8080)).addPorts(port("admin_ui", 0)).addPorts(port("", -1)));
    assertThat(errors(job)).containsExactly(
        "tasks[0].ports[2].name: \"HTTPS\" is not a port name: use at most 63 lower-case letters, digits,"
            + " '-' and '_' (it becomes GANTRY_PORT_<NAME>)",
        "tasks[0].ports[2].static: must be between 1 and 65535, got 70000",
        "tasks[1].ports[0].name: duplicate port name \"http\" (also tasks[0].ports[0].name)",
        "tasks[1].ports[0].static: static port 8080 is already used (tasks[0].ports[0].static)",
        "tasks[1].ports[1].name: duplicate port name \"admin_ui\" (also tasks[0].ports[1].name)",
        "tasks[1].ports[2].name: is required",
        "tasks[1].ports[2].static: must be between 1 and 65535, got -1");
  }

  @Test
  void checksContainerPortsAgainstTheNetworkMode() {
    Job.Builder job = job().clearTasks().setNetwork(Network.newBuilder().setMode(Network.Mode.BRIDGE))
        .addTasks(task("web").addPorts(port("http", 0).toBuilder().setTo(8080)).addPorts(port("big", 0).toBuilder().setTo(70000)))
        .addTasks(task("api").addPorts(port("api", 0).toBuilder().setTo(8080)).addPorts(port("neg", 0).toBuilder().setTo(-1)));
    assertThat(errors(job)).containsExactly(
        "tasks[0].ports[1].to: must be between 1 and 65535, got 70000",
        "tasks[1].ports[0].to: port 8080 inside the replica is already used (tasks[0].ports[0].to)",
        "tasks[1].ports[1].to: must be between 1 and 65535, got -1");
    assertThat(errors(job().setTasks(0, task("web").addPorts(port("http", 0).toBuilder().setTo(80)))
        .setNetwork(Network.newBuilder().setMode(Network.Mode.HOST))))
        .containsExactly("tasks[0].ports[0].to: needs network mode bridge: in host mode nothing maps a host port to a port inside");
    assertThat(errors(job().setTasks(0, task("web").addPorts(port("http", 0).toBuilder().setTo(80)))
        .setNetwork(Network.newBuilder().setMode(Network.Mode.BRIDGE)))).isEmpty();
    // While host is the default (JobDefaults.NETWORK_MODE), `to` asks for bridge mode by name.
    assertThat(errors(job().setTasks(0, task("web").addPorts(port("http", 0).toBuilder().setTo(80))))).containsExactly(
        "tasks[0].ports[0].to: needs network mode bridge: in host mode (the default; set network.mode: bridge) nothing maps"
            + " a host port to a port inside");
  }

  @Test
  void rejectsAnUnknownNetworkMode() {
    assertThat(errors(job().setNetwork(Network.newBuilder().setModeValue(9))))
        .containsExactly("network.mode: unknown network mode 9");
  }

  private static Port port(String name, int staticPort) {
    return Port.newBuilder().setName(name).setStatic(staticPort).build();
  }

  @Test
  void checksHealthChecks() {
    Job.Builder job = job().setTasks(0, task("web").addPorts(port("http", 0))
        .addChecks(Check.newBuilder().setName("ready").setKind("readiness").setType("http").setPort("http").setPath("/ok"))
        .addChecks(Check.newBuilder().setName("ready").setKind("startup").setType("htp").setPort("http"))
        .addChecks(Check.newBuilder().setKind("liveness").setType("tcp").setPort("htp").setPath("/x"))
        .addChecks(Check.newBuilder().setKind("liveness").setType("exec").setPort("http")
            .setInterval(seconds(-2)).setFailureThreshold(-1))
        .addChecks(Check.newBuilder().setType("http").setPort("http").setPath("ok").addCommand("true")));
    assertThat(errors(job)).containsExactly(
        "tasks[0].checks[1].name: duplicate check name \"ready\"",
        "tasks[0].checks[1].kind: \"startup\" is not one of readiness, liveness",
        "tasks[0].checks[1].type: \"htp\" is not one of http, tcp, exec; did you mean `http`?",
        "tasks[0].checks[2].port: no port named \"htp\" in this job; did you mean `http`?",
        "tasks[0].checks[2].path: applies only to http checks",
        "tasks[0].checks[3].port: does not apply to exec checks",
        "tasks[0].checks[3].command: is required for exec checks",
        "tasks[0].checks[3].interval: must not be negative, got -2s",
        "tasks[0].checks[3].failure_threshold: must not be negative, got -1",
        "tasks[0].checks[4].kind: is required (readiness, liveness)",
        "tasks[0].checks[4].path: \"ok\" must start with /",
        "tasks[0].checks[4].command: applies only to exec checks");
  }

  @Test
  void checksConstraintsAndAffinities() {
    Job.Builder job = job()
        .addConstraints(Constraint.newBuilder().setAttribute("node.labels.zone").setOperator("in").addValues("eu-1"))
        .addConstraints(Constraint.newBuilder().setDistinctHosts(true))
        .addConstraints(Constraint.newBuilder().setAttribute("node.name").setOperator("regexp").setValue("web-[0-9"))
        .addConstraints(Constraint.newBuilder().setAttribute("a").setOperator("==").setValue("x"))
        .addConstraints(Constraint.newBuilder().setOperator("in").setValue("x"))
        .addConstraints(Constraint.newBuilder().setDistinctHosts(true).setAttribute("a"))
        .addConstraints(Constraint.newBuilder().setAttribute("a").setOperator("is_set").addValues("x"))
        .addConstraints(Constraint.newBuilder().setAttribute("v").setOperator("version").setValue(">= 1.2, < 2.0"))
        .addConstraints(Constraint.newBuilder().setAttribute("v").setOperator("version").setValue("newest"))
        .addConstraints(Constraint.newBuilder().setAttribute("a").setOperator("distinct_hosts"))
        .addAffinities(Affinity.newBuilder().setAttribute("a").setOperator("=").setValue("b").setWeight(-100))
        .addAffinities(Affinity.newBuilder().setAttribute("a").setOperator("!=").addValues("b").setWeight(200));
    assertThat(errors(job)).containsExactly(
        "constraints[2].value: \"web-[0-9\" is not a regular expression: Unclosed character class",
        "constraints[3].operator: \"==\" is not an operator (one of =, !=, in, not_in, regexp, version, is_set, is_not_set,"
            + " distinct_property); did you mean `=`?",
        "constraints[4].attribute: is required (e.g. node.labels.zone)",
        "constraints[4].values: needs at least one value with operator in",
        "constraints[4].value: use values (a list) with operator in",
        "constraints[5]: distinct_hosts takes no attribute, operator, value or values",
        "constraints[6]: is_set takes no value or values",
        "constraints[8].value: \"newest\" is not a version constraint (e.g. \">= 1.2, < 2.0\")",
        "constraints[9].operator: distinct_hosts is not an operator; write {distinct_hosts: true} as a constraint",
        "affinities[1].value: is required with operator !=",
        "affinities[1].values: is for in and not_in; use value with operator !=",
        "affinities[1].weight: must be between -100 and 100 and not 0, got 200");
  }

  @Test
  void checksDistinctPropertyLimits() {
    Job.Builder job = job()
        .addConstraints(Constraint.newBuilder().setAttribute("node.labels.rack").setOperator("distinct_property").setValue("2"))
        .addConstraints(Constraint.newBuilder().setAttribute("node.labels.zone").setOperator("distinct_property"))
        .addConstraints(Constraint.newBuilder().setAttribute("node.labels.rack").setOperator("distinct_property").setValue("0"))
        .addConstraints(Constraint.newBuilder().setAttribute("node.labels.rack").setOperator("distinct_property").setValue("-1"))
        .addConstraints(Constraint.newBuilder().setAttribute("node.labels.rack").setOperator("distinct_property").setValue("1.5"))
        .addConstraints(Constraint.newBuilder().setOperator("distinct_property").addValues("2"))
        .addConstraints(Constraint.newBuilder().setAttribute("node.labels.rack").setOperator("distinct_property")
            .setValue("99999999999"))
        .addAffinities(Affinity.newBuilder().setAttribute("node.labels.rack").setOperator("distinct_property").setWeight(50));
    String why = " is not a positive integer: distinct_property's value is the most replicas per attribute value (default 1)";
    assertThat(errors(job)).containsExactly(
        "constraints[2].value: \"0\"" + why,
        "constraints[3].value: \"-1\"" + why,
        "constraints[4].value: \"1.5\"" + why,
        "constraints[5].attribute: is required with operator distinct_property (e.g. node.labels.rack)",
        "constraints[5].values: does not apply to distinct_property; give the limit as value",
        "constraints[6].value: \"99999999999\"" + why,
        "affinities[0].operator: distinct_property is only for constraints; an affinity cannot limit replicas");
  }

  @Test
  void checksSpreadTargets() {
    Job.Builder job = job()
        .addSpread(Spread.newBuilder().setAttribute("node.labels.zone").putTargets("eu-1", "50%").putTargets("eu-2", "50%"))
        .addSpread(Spread.newBuilder().putTargets("eu-1", "80%").putTargets("eu-2", "30%").putTargets("eu 3", "half"));
    assertThat(errors(job)).containsExactly(
        "spread[1].attribute: is required (e.g. node.labels.zone)",
        "spread[1].targets[\"eu 3\"]: \"half\" is not a percentage (e.g. 50%)",
        "spread[1].targets: add up to 110%, more than 100%");
  }

  @Test
  void checksRestartAndUpdate() {
    Job.Builder job = job()
        .setRestart(RestartPolicy.newBuilder().setModeValue(42).setAttempts(-1).setDelay(seconds(-5)))
        .setUpdate(UpdateStrategy.newBuilder().setMaxSurge("0").setMaxUnavailable("0%").setCanary(-1)
            .setHealthyDeadline(seconds(600)).setProgressDeadline(seconds(300))
            .setStagger(Duration.newBuilder().setSeconds(1).setNanos(-1)).setAutoPromote(true));
    assertThat(errors(job)).containsExactly(
        "restart.policy: unknown restart policy 42",
        "restart.attempts: must not be negative, got -1",
        "restart.delay: must not be negative, got -5s",
        "update.max_unavailable: must not be 0 when max_surge is 0",
        "update.stagger: is not a valid duration (seconds 1, nanos -1)",
        "update.progress_deadline: must be longer than healthy_deadline (5m <= 10m)",
        "update.canary: must not be negative, got -1",
        "update.auto_promote: needs canary > 0: there is nothing to promote");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "1", "25%", "100%", "12"})
  void acceptsCountsAndPercentages(String value) {
    assertThat(errors(job().setUpdate(UpdateStrategy.newBuilder().setMaxSurge(value).setMaxUnavailable("1")))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "101%", "1.5", "%", "one", "25 %"})
  void rejectsOtherSurges(String value) {
    assertThat(errors(job().setUpdate(UpdateStrategy.newBuilder().setMaxSurge(value))))
        .containsExactly("update.max_surge: \"" + value + "\" is not a count or a percentage (e.g. 1, 25%)");
  }

  @Test
  void reportsVeryLongValuesQuickly() {
    // Each of these once blew up: the did-you-mean table of two 100k strings needed 40 GB, and
    // the version pattern backtracked in quadratic time over the spaces.
    Job.Builder job = job()
        .setTasks(0, task("web").addPorts(Port.newBuilder().setName("p".repeat(100_000)))
            .addChecks(Check.newBuilder().setKind("readiness").setType("tcp").setPort("q".repeat(100_000))))
        .addConstraints(Constraint.newBuilder().setAttribute("v").setOperator("version")
            .setValue(" ".repeat(100_000) + "x"));
    List<FieldError> found = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
        () -> JobValidator.validate(job.build()));
    assertThat(found).extracting(FieldError::path)
        .containsExactly("tasks[0].ports[0].name", "tasks[0].checks[0].port", "constraints[0].value");
  }
}
