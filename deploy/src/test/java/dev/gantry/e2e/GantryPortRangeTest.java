package dev.gantry.e2e;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agents' dynamic port blocks stay out of the machine's ephemeral range, whatever it is. */
class GantryPortRangeTest {
    private static void assertOutside(int size, int[] ephemeral) {
        Random random = new Random(42);
        boolean sawBelow = false;
        boolean sawAbove = false;
        for (int i = 0; i < 5000; i++) {
            int low = Gantry.portBlock(size, ephemeral, random);
            int high = low + size - 1;
            assertThat(low).isGreaterThanOrEqualTo(1024);
            assertThat(high).isLessThanOrEqualTo(65535);
            assertThat(high < ephemeral[0] || low > ephemeral[1]).as("%d-%d outside %d-%d", low, high, ephemeral[0], ephemeral[1]).isTrue();
            sawBelow |= high < ephemeral[0];
            sawAbove |= low > ephemeral[1];
        }
        if (ephemeral[0] - 20000 >= size) assertThat(sawBelow).isTrue();
        if (65535 - ephemeral[1] >= size) assertThat(sawAbove).isTrue();
    }

    @Test
    void linuxDefaultRange() {
        assertOutside(200, new int[]{32768, 60999});
        assertOutside(40, new int[]{32768, 60999});
    }

    @Test
    void aWidenedRangeLeavesOnlyTheTop() {
        assertOutside(200, new int[]{10000, 65000});
        assertOutside(100, new int[]{1024, 65000});
    }

    @Test
    void aRangeBelowTwentyThousand() {
        assertOutside(200, new int[]{1024, 5000});
    }

    @Test
    void noRoomAtAllFails() {
        assertThatThrownBy(() -> Gantry.portBlock(200, new int[]{1024, 65535}, new Random(1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void thisMachinesRangeIsReadAndAvoided() {
        int[] range = Gantry.ephemeralRange();
        assertThat(range[0]).isPositive().isLessThanOrEqualTo(range[1]);
        String[] block = Gantry.portRange(200).split("-");
        int low = Integer.parseInt(block[0]);
        int high = Integer.parseInt(block[1]);
        assertThat(high - low).isEqualTo(199);
        assertThat(high < range[0] || low > range[1]).isTrue();
    }
}
