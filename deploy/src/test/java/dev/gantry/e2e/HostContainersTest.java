package dev.gantry.e2e;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Which containers the multi-host harness takes for its own leftovers, without Docker. */
class HostContainersTest {
    private static final Instant NOW = Instant.parse("2026-12-04T23:13:02Z");
    private static final HostContainers.Owner LIVE = new HostContainers.Owner("vm", 4242, 1_700_000_000_000L);
    private static final HostContainers.Owner DEAD = new HostContainers.Owner("vm", 999, 1_700_000_000_000L);
    private static final Predicate<HostContainers.Owner> RUNNING = Set.of(LIVE)::contains;

    private static HostContainers.Listed c(String name, String owner, Instant created) {
        return new HostContainers.Listed("id", name, owner, created);
    }

    private static boolean leftover(HostContainers.Listed c) {
        return HostContainers.isLeftover(c, "vm", RUNNING, NOW);
    }

    @Test
    void aLabelledContainerIsALeftoverExactlyWhenItsOwnerIsGone() {
        assertThat(leftover(c("gantry-it-host-0-abc", DEAD.label(), NOW))).isTrue();
        assertThat(leftover(c("gantry-it-host-0-abc", LIVE.label(), NOW.minus(Duration.ofDays(3)))))
                .as("a live owner's, however old (a cluster.sh cluster)").isFalse();
    }

    @Test
    void anotherHostsOrAnUnreadableLabelIsLeftAlone() {
        assertThat(leftover(c("gantry-it-host-0-abc", "elsewhere/999/1700000000000", NOW))).isFalse();
        assertThat(leftover(c("gantry-it-host-0-abc", "garbage", NOW.minus(Duration.ofDays(1))))).isFalse();
    }

    @Test
    void anUnlabelledHostContainerIsALeftoverOnlyOnceOld() {
        assertThat(leftover(c("gantry-it-host-2-18c3f0a9b1", "", NOW.minus(Duration.ofHours(2))))).isTrue();
        assertThat(leftover(c("gantry-it-host-2-18c3f0a9b1", "", NOW.minus(Duration.ofMinutes(10)))))
                .as("maybe a run of the older harness going on now").isFalse();
        assertThat(leftover(c("gantry-it-host-2-18c3f0a9b1", "", null))).as("age unknown").isFalse();
    }

    @Test
    void containersOfOtherShapesAreNeverTouched() {
        assertThat(leftover(c("gantry-it-something-else", "", NOW.minus(Duration.ofDays(1))))).isFalse();
        assertThat(leftover(c("gantry-0a1b2c-web", "", NOW.minus(Duration.ofDays(1))))).as("the docker driver's").isFalse();
        assertThat(leftover(c("my-gantry-it-host-0-abc", DEAD.label(), NOW))).isFalse();
    }

    @Test
    void theOwnerLabelRoundTrips() {
        assertThat(HostContainers.Owner.parse(LIVE.label())).contains(LIVE);
        assertThat(HostContainers.Owner.parse("vm/x/1")).isEmpty();
        assertThat(HostContainers.Owner.parse("/1/2")).isEmpty();
        HostContainers.Owner self = HostContainers.self();
        assertThat(self.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(HostContainers.running(self)).as("this JVM runs").isTrue();
        assertThat(HostContainers.running(new HostContainers.Owner(self.host(), self.pid(), self.startMillis() - 60_000)))
                .as("same pid, another start time: a reused pid").isFalse();
    }

    @Test
    void dockerPsLinesAreParsed() {
        HostContainers.Listed l = HostContainers.parseLine("f00d\tgantry-it-host-1-abc\tvm/12/34\t2026-12-04 23:13:02 +0000 UTC");
        assertThat(l).isEqualTo(new HostContainers.Listed("f00d", "gantry-it-host-1-abc", "vm/12/34", NOW));
        assertThat(HostContainers.parseLine("f00d\tgantry-it-host-1-abc\t\tnot a date").created()).isNull();
        assertThat(HostContainers.parseLine("")).isNull();
        assertThat(HostContainers.parseCreated("2026-12-05 01:13:02 +0200 EET")).isEqualTo(NOW);
    }
}
