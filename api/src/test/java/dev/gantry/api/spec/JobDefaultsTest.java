package dev.gantry.api.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.gantry.api.v1.Affinity;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobType;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.Task;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class JobDefaultsTest {

  @Test
  void fillsWhatIsAbsent() {
    Job job = JobDefaults.apply(Job.newBuilder().setName("web")
        .addTasks(Task.newBuilder().setName("web").setResources(Resources.newBuilder().setCpuMillis(2000)))
        .addTasks(Task.newBuilder().setName("side"))
        .addAffinities(Affinity.newBuilder().setAttribute("a"))
        .build());
    assertThat(job.getNamespace()).isEqualTo("default");
    assertThat(job.getType()).isEqualTo(JobType.SERVICE);
    assertThat(job.getPriority()).isEqualTo(50);
    assertThat(job.getCount()).isZero();
    assertThat(job.getRestart().getMode()).isEqualTo(RestartPolicy.Mode.ON_FAILURE);
    assertThat(job.getRestart().getAttempts()).isEqualTo(3);
    assertThat(job.getRestart().getInterval().getSeconds()).isEqualTo(300);
    assertThat(job.getRestart().getDelay().getSeconds()).isEqualTo(2);
    assertThat(job.getTasks(0).getResources().getCpuMillis()).isEqualTo(2000);
    assertThat(job.getTasks(0).getResources().getMemoryBytes()).isEqualTo(128L << 20);
    assertThat(job.getTasks(1).getResources().getCpuMillis()).isEqualTo(100);
    assertThat(job.getTasks(1).getStopGrace()).isEqualTo(Duration.newBuilder().setSeconds(10).build());
    assertThat(job.getTasks(1).getStopSignal()).isEqualTo("SIGTERM");
    assertThat(job.getAffinities(0).getWeight()).isEqualTo(50);
  }

  @Test
  void keepsWhatIsSetIncludingAnExplicitZeroStopGrace() {
    Job job = Job.newBuilder().setNamespace("shop").setType(JobType.BATCH).setPriority(10)
        .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.NEVER)
            .setInterval(Duration.newBuilder().setSeconds(60)).setDelay(Duration.getDefaultInstance()))
        .addTasks(Task.newBuilder().setStopSignal("SIGINT").setStopGrace(Duration.getDefaultInstance())
            .setResources(Resources.newBuilder().setCpuMillis(1).setMemoryBytes(1)))
        .build();
    Job applied = JobDefaults.apply(job);
    assertThat(applied.getTasks(0).getStopGrace()).isEqualTo(Duration.getDefaultInstance());
    assertThat(applied).isEqualTo(job);
  }

  @Test
  void isIdempotent() throws IOException {
    Job sketch = new JobSpecParser().parse(JobParserFixtures.sketchWithoutDefaults()).job();
    Job once = JobDefaults.apply(sketch);
    assertThat(JobDefaults.apply(once)).isEqualTo(once);
  }
}
