package dev.gantry.scheduler.rollout;

import com.google.protobuf.util.Durations;
import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.UpdateStrategy;
import dev.gantry.scheduler.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Rollouts through reconcile and the deployment tracker, on a fake clock. */
class RollingUpdateTest {

    private static Job web(int count, String image, UpdateStrategy.Builder update) {
        Job j = Fixtures.job("web", count, 100, 64);
        return j.toBuilder().setTasks(0, j.getTasks(0).toBuilder().setImage(image))
                .setUpdate(update.setMinHealthyTime(Durations.fromSeconds(5))).build();
    }

    @Test
    void maxUnavailableOneReplacesOneReplicaAtATimeAndNeverServesFromFewerThanCountMinusOne() {
        UpdateStrategy.Builder u = UpdateStrategy.newBuilder().setMaxSurge("0").setMaxUnavailable("1");
        RolloutSimulation sim = new RolloutSimulation(web(6, "file:/v1.tar", u));
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_SUCCESSFUL);

        sim.submit(web(6, "file:/v2.tar", u));
        sim.evaluate();
        int rounds = 0;
        while (sim.deployment.getStatus() == DeploymentStatus.DEPLOYMENT_RUNNING && rounds++ < 100) {
            sim.evaluate();
            assertThat(sim.ready()).as("ready replicas in round %d", rounds).isGreaterThanOrEqualTo(5);
            assertThat(sim.last.place()).hasSizeLessThanOrEqualTo(1);
            sim.readyAll();
            sim.advance(Duration.ofSeconds(2));
        }
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_SUCCESSFUL);
        assertThat(sim.current()).isEqualTo(6);
        assertThat(sim.outdated()).isZero();
        assertThat(sim.deployment.getStableVersion()).isEqualTo(1);
    }

    @Test
    void surgeStartsTheNewReplicaFirstAndStopsTheOldOneOnlyAfterMinHealthyTime() {
        UpdateStrategy.Builder u = UpdateStrategy.newBuilder().setMaxSurge("1").setMaxUnavailable("0");
        RolloutSimulation sim = new RolloutSimulation(web(2, "file:/v1.tar", u));
        sim.submit(web(2, "file:/v2.tar", u));

        sim.evaluate();
        assertThat(sim.last.place()).hasSize(1);
        assertThat(sim.last.stop()).isEmpty();
        sim.readyAll();
        sim.advance(Duration.ofSeconds(4));
        assertThat(sim.evaluate().stop()).as("healthy for 4s of the 5s asked").isEmpty();
        sim.advance(Duration.ofSeconds(1));
        assertThat(sim.evaluate().stop()).hasSize(1);
        assertThat(sim.live(a -> true)).hasSize(2 + 1);   // the next replica surged in the same round
    }

    @Test
    void aScaleAloneMovesRunningReplicasToTheNewVersionWithoutRestartingThem() {
        UpdateStrategy.Builder u = UpdateStrategy.newBuilder();
        RolloutSimulation sim = new RolloutSimulation(web(2, "file:/v1.tar", u));
        var before = sim.live(a -> true).stream().map(a -> a.getId()).toList();
        sim.submit(web(3, "file:/v1.tar", u));
        sim.evaluate();
        assertThat(sim.last.stop()).isEmpty();
        assertThat(sim.last.retag()).extracting(a -> a.getId()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(sim.last.place()).extracting(p -> p.index()).containsExactly(2);
        sim.readyAll();
        sim.advance(Duration.ofSeconds(6));
        sim.evaluate();
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_SUCCESSFUL);
    }

    @Test
    void aCanaryRunsBesideTheOldVersionUntilPromotedThenTheRestRollsOver() {
        UpdateStrategy.Builder u = UpdateStrategy.newBuilder().setCanary(1).setMaxSurge("0").setMaxUnavailable("1");
        RolloutSimulation sim = new RolloutSimulation(web(3, "file:/v1.tar", u));
        sim.submit(web(3, "file:/v2.tar", u));
        sim.evaluate();
        assertThat(sim.last.place()).singleElement().satisfies(p -> assertThat(p.canary()).isTrue());
        assertThat(sim.last.stop()).isEmpty();
        for (int i = 0; i < 10; i++) {
            sim.readyAll();
            sim.advance(Duration.ofSeconds(10));
            sim.evaluate();
        }
        assertThat(sim.current()).isEqualTo(1);
        assertThat(sim.outdated()).isEqualTo(3);
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_RUNNING);
        assertThat(sim.deployment.getStatusDescription()).contains("promoted");

        sim.deployment = sim.deployment.toBuilder().setPromoted(true).build();
        for (int i = 0; i < 20 && sim.deployment.getStatus() == DeploymentStatus.DEPLOYMENT_RUNNING; i++) {
            sim.evaluate();
            sim.readyAll();
            sim.advance(Duration.ofSeconds(6));
        }
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_SUCCESSFUL);
        assertThat(sim.current()).isEqualTo(3);
        assertThat(sim.outdated()).isZero();
    }

    @Test
    void autoPromoteGoesOnOnceTheCanariesAreHealthy() {
        UpdateStrategy.Builder u = UpdateStrategy.newBuilder().setCanary(1).setAutoPromote(true);
        RolloutSimulation sim = new RolloutSimulation(web(2, "file:/v1.tar", u));
        sim.submit(web(2, "file:/v2.tar", u));
        sim.evaluate();
        for (int i = 0; i < 20 && sim.deployment.getStatus() == DeploymentStatus.DEPLOYMENT_RUNNING; i++) {
            sim.evaluate();
            sim.readyAll();
            sim.advance(Duration.ofSeconds(6));
        }
        assertThat(sim.deployment.getPromoted()).isTrue();
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_SUCCESSFUL);
    }

    @Test
    void aReplicaThatIsNeverHealthyFailsTheRolloutAtItsDeadlineAndAsksToRevertToTheStableVersion() {
        UpdateStrategy.Builder u = UpdateStrategy.newBuilder().setMaxSurge("0").setMaxUnavailable("1")
                .setHealthyDeadline(Durations.fromSeconds(30)).setProgressDeadline(Durations.fromSeconds(60)).setAutoRevert(true);
        RolloutSimulation sim = new RolloutSimulation(web(3, "file:/v1.tar", u));
        sim.submit(web(3, "file:/v2.tar", u));
        sim.evaluate();
        sim.runUnready();
        sim.advance(Duration.ofSeconds(29));
        sim.evaluate();
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_RUNNING);
        assertThat(sim.ready()).isEqualTo(2);
        sim.advance(Duration.ofSeconds(1));
        sim.evaluate();
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_FAILED);
        assertThat(sim.deployment.getStatusDescription()).contains("not healthy within healthy_deadline 30s", "503");
        assertThat(sim.deployment.getRevertTo()).isEqualTo(1);
        // A failed rollout replaces nothing more: the two old replicas keep serving.
        sim.advance(Duration.ofSeconds(10));
        assertThat(sim.evaluate().stop()).isEmpty();
        assertThat(sim.ready()).isEqualTo(2);
    }

    @Test
    void noReplicaHealthyWithinTheProgressDeadlineFailsTheRollout() {
        UpdateStrategy.Builder u = UpdateStrategy.newBuilder().setMaxSurge("1").setMaxUnavailable("0")
                .setHealthyDeadline(Durations.fromSeconds(300)).setProgressDeadline(Durations.fromSeconds(600));
        RolloutSimulation sim = new RolloutSimulation(web(2, "file:/v1.tar", u));
        sim.submit(web(2, "file:/v2.tar", u));
        sim.evaluate();
        sim.runUnready();
        sim.advance(Duration.ofSeconds(299));
        sim.evaluate();
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_RUNNING);
        sim.advance(Duration.ofSeconds(302));
        sim.evaluate();
        assertThat(sim.deployment.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_FAILED);
        assertThat(sim.deployment.getRevertTo()).as("no auto_revert").isZero();
    }

    @Test
    void aPausedRolloutReplacesNothingAndStaggerSpacesTheBatches() {
        UpdateStrategy.Builder u = UpdateStrategy.newBuilder().setMaxSurge("0").setMaxUnavailable("1")
                .setMinHealthyTime(Durations.fromSeconds(0)).setStagger(Durations.fromSeconds(30));
        RolloutSimulation sim = new RolloutSimulation(web(3, "file:/v1.tar", u));
        sim.submit(web(3, "file:/v2.tar", u).toBuilder().setUpdate(u.setMinHealthyTime(Durations.fromSeconds(0))).build());
        sim.evaluate();
        sim.deployment = sim.deployment.toBuilder().setPaused(true).build();
        sim.readyAll();
        sim.advance(Duration.ofMinutes(5));
        assertThat(sim.evaluate().place()).isEmpty();

        sim.deployment = sim.deployment.toBuilder().setPaused(false).build();
        assertThat(sim.evaluate().place()).hasSize(1);
        sim.readyAll();
        sim.advance(Duration.ofSeconds(29));
        assertThat(sim.evaluate().place()).as("within the stagger").isEmpty();
        sim.advance(Duration.ofSeconds(1));
        assertThat(sim.evaluate().place()).hasSize(1);
    }
}
