package dev.gantry.cli.daemons;

import dev.gantry.cli.Main;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.scheduler.placement.CapacityScoring;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.assertj.core.api.Assertions.assertThat;

/** `--placement` on `gantry scheduler` and `gantry dev`: parsed into the scheduler's config, bad words refused. */
class PlacementOptionTest {

    private static SchedulerCommand scheduler(String... args) {
        SchedulerCommand c = new SchedulerCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    private static DevCommand dev(String... args) {
        DevCommand c = new DevCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void binPackingIsTheDefaultAndSpreadCanBeChosen() {
        assertThat(scheduler("--etcd", "http://127.0.0.1:2379").config().placement().capacityScoring())
                .isEqualTo(CapacityScoring.BIN_PACK);
        assertThat(scheduler("--etcd", "http://127.0.0.1:2379", "--placement", "spread").config().placement().capacityScoring())
                .isEqualTo(CapacityScoring.SPREAD);
        assertThat(dev().config().placement().capacityScoring()).isEqualTo(CapacityScoring.BIN_PACK);
        assertThat(dev("--placement=spread").config().placement().capacityScoring()).isEqualTo(CapacityScoring.SPREAD);
    }

    @Test
    void anUnknownValueIsAUsageErrorListingTheChoices() {
        String[] err = new String[1];
        int code = capturingErr(err, () -> Main.run("scheduler", "--etcd", "http://127.0.0.1:2379", "--placement", "fill"));
        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err[0]).contains("--placement", "expected one of binpack, spread but was 'fill'");
        code = capturingErr(err, () -> Main.run("dev", "--placement", "BINPACK"));
        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err[0]).contains("expected one of binpack, spread but was 'BINPACK'");
    }

    @Test
    void theHelpSaysEveryReplicaNeedsTheSameValue() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            assertThat(Main.run("scheduler", "--help")).isZero();
        } finally {
            System.setOut(saved);
        }
        assertThat(out.toString().replaceAll("\\s+", " "))
                .contains("--placement=binpack|spread", "(default: binpack)", "Give every scheduler replica the same value");
    }

    private static int capturingErr(String[] err, java.util.function.IntSupplier run) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true));
        try {
            return run.getAsInt();
        } finally {
            System.setErr(saved);
            err[0] = bytes.toString();
        }
    }
}
