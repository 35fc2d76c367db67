package dev.gantry.agent.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a pull tells the task's status line, and so the scheduler: every phase change, but byte
 * counts at most once per interval however many chunks arrive (no sleeps: a long interval).
 */
class PullTrackerTest {
  @Test
  void byteCountsAreThrottledToTheIntervalWhilePhaseChangesAreToldAtOnce() {
    PullTracker tracker = new PullTracker("docker.io/x:1", TimeUnit.HOURS.toNanos(1));
    List<String> heard = new ArrayList<>();
    tracker.subscribe(p -> heard.add(p.describe()));
    tracker.resolving();
    tracker.resolving(); // an index and its entry: one step
    tracker.downloading(50_100_000);
    for (int i = 0; i < 1000; i++) {
      tracker.received(12_300);
    }
    tracker.unpacking();
    assertThat(heard).containsExactly("pulling docker.io/x:1: resolving", "pulling docker.io/x:1: 0.0/50.1 MB",
        "unpacking docker.io/x:1");
  }

  @Test
  void byteCountsAreToldOncePerIntervalAndALateListenerHearsTheLatestFirst() {
    PullTracker tracker = new PullTracker("docker.io/x:1", 0);
    List<String> heard = new ArrayList<>();
    tracker.downloading(50_100_000);
    tracker.received(12_300_000);
    tracker.subscribe(p -> heard.add(p.describe()));
    assertThat(heard).containsExactly("pulling docker.io/x:1: 12.3/50.1 MB");
  }
}
