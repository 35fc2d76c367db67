package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Task;
import org.junit.jupiter.api.Test;

class JobDiffTest {
  private static final Job V1 = Job.newBuilder().setName("web").setCount(3).setVersion(1)
      .addTasks(Task.newBuilder().setName("web").setImage("web:1").putEnv("A", "1").putEnv("B", "2")
          .setStopGrace(Durations.fromSeconds(10)))
      .build();

  @Test
  void listsEveryChangedFieldByPathAndLeavesServerFieldsOut() {
    Job v2 = V1.toBuilder().setVersion(2).setCount(6).setTemplateHash("x")
        .setTasks(0, V1.getTasks(0).toBuilder().setImage("web:2").removeEnv("B").putEnv("A", "9").putEnv("C", "3")
            .setStopGrace(Durations.fromSeconds(30)))
        .build();
    assertThat(JobDiff.between(V1, v2)).containsExactly(
        "count: 3 -> 6",
        "tasks[web].image: \"web:1\" -> \"web:2\"",
        "tasks[web].env.A: \"1\" -> \"9\"",
        "tasks[web].env.B: removed",
        "tasks[web].env.C: added \"3\"",
        "tasks[web].stop_grace: 10s -> 30s");
  }

  @Test
  void anAddedTaskAndNothingChangedAreReportedAsSuch() {
    assertThat(JobDiff.between(V1, V1.toBuilder().setVersion(7).build())).isEmpty();
    Job two = V1.toBuilder().addTasks(Task.newBuilder().setName("sidecar").setImage("s:1")).build();
    assertThat(JobDiff.between(V1, two)).containsExactly("tasks[sidecar]: added");
  }
}
