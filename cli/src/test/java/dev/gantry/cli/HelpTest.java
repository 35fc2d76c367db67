package dev.gantry.cli;

import dev.gantry.cli.client.ExitCodes;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * `--help` works on every command and subcommand, with or without its arguments: usage on stdout, nothing on
 * stderr, exit 0. The command tree is walked from {@link Main}, so a command added later is covered too.
 */
class HelpTest {
    /** Should a command not take --help as help, it runs: a daemon would never return. */
    private static final Duration LIMIT = Duration.ofSeconds(20);

    private record Result(int code, String out, String err) {
    }

    private static Result gantry(String... args) {
        return assertTimeoutPreemptively(LIMIT, () -> {
            PrintStream savedOut = System.out;
            PrintStream savedErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            try {
                int code = Main.run(args);
                return new Result(code, out.toString(), err.toString());
            } finally {
                System.setOut(savedOut);
                System.setErr(savedErr);
            }
        }, () -> "gantry " + String.join(" ", args) + " did not return within " + LIMIT);
    }

    /** Every command under (and including) the root, each once (an alias is the same command), parents first. */
    private static List<CommandLine> commands() {
        List<CommandLine> all = new ArrayList<>();
        walk(new CommandLine(new Main()), all, Collections.newSetFromMap(new IdentityHashMap<>()));
        return all;
    }

    private static void walk(CommandLine cl, List<CommandLine> all, Set<CommandLine> seen) {
        if (!seen.add(cl)) return;
        all.add(cl);
        cl.getSubcommands().values().forEach(sub -> walk(sub, all, seen));
    }

    /** The words after `gantry` that name the command. */
    private static List<String> path(CommandLine cl) {
        List<String> words = new ArrayList<>();
        for (CommandLine c = cl; c.getParent() != null; c = c.getParent()) words.add(0, c.getCommandName());
        return words;
    }

    private static String[] args(List<String> head, String... tail) {
        return Stream.concat(head.stream(), Stream.of(tail)).toArray(String[]::new);
    }

    private static String label(List<String> path) {
        return path.isEmpty() ? "gantry" : "gantry " + String.join(" ", path);
    }

    private static void assertUsage(Result r, CommandLine cl, String... args) {
        String what = "gantry " + String.join(" ", args);
        assertThat(r.err()).as(what + ": stderr").isEmpty();
        assertThat(r.code()).as(what + ": exit code; stdout:%n%s", r.out()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).as(what + ": stdout").contains("Usage: " + cl.getCommandSpec().qualifiedName());
        assertThat(r.out()).as(what + ": stdout").contains(cl.getCommandName());
    }

    @TestFactory
    Stream<DynamicTest> helpOptionPrintsUsageOnEveryCommand() {
        return commands().stream().flatMap(cl -> {
            List<String> path = path(cl);
            List<DynamicTest> tests = new ArrayList<>();
            for (String help : List.of("--help", "-h")) {
                tests.add(DynamicTest.dynamicTest(label(path) + " " + help, () -> {
                    String[] args = args(path, help);
                    assertUsage(gantry(args), cl, args);
                }));
            }
            if (!cl.getCommandSpec().positionalParameters().isEmpty()) {
                // With the command's argument given as well, --help still wins, before or after it.
                tests.add(DynamicTest.dynamicTest(label(path) + " ARG --help", () -> {
                    String[] args = args(path, "some-name", "--help");
                    assertUsage(gantry(args), cl, args);
                }));
                tests.add(DynamicTest.dynamicTest(label(path) + " --help ARG", () -> {
                    String[] args = args(path, "--help", "some-name");
                    assertUsage(gantry(args), cl, args);
                }));
            }
            return tests.stream();
        });
    }

    @TestFactory
    Stream<DynamicTest> helpCommandPrintsUsageOfEveryCommand() {
        return commands().stream().map(cl -> {
            List<String> path = path(cl);
            return DynamicTest.dynamicTest("gantry help " + String.join(" ", path), () -> {
                String[] args = args(List.of("help"), path.toArray(String[]::new));
                assertUsage(gantry(args), cl, args);
            });
        });
    }

    @Test
    void aMissingRequiredArgumentIsStillAUsageError() {
        Result r = gantry("rollout", "status");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("error: Missing required parameter: 'JOB'", "see `gantry rollout status --help`");

        r = gantry("image", "pack", "--from", "dir");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("error: Missing required option: '--output=FILE.tar'", "see `gantry image pack --help`");
    }

    @Test
    void helpOfAnUnknownCommandIsAUsageError() {
        Result r = gantry("help", "rollout", "stauts");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("error: unknown command `gantry rollout stauts`", "see `gantry rollout --help`");
    }

    @Test
    void theVersionIsOnTheRootCommand() {
        Result r = gantry("--version");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("gantry ");
    }

    @Test
    void everyCommandOptionAndParameterHasADescription() {
        List<String> missing = new ArrayList<>();
        for (CommandLine cl : commands()) {
            CommandSpec spec = cl.getCommandSpec();
            String name = spec.qualifiedName();
            if (!hasText(spec.usageMessage().description())) missing.add(name);
            for (OptionSpec o : spec.options()) {
                if (!o.hidden() && !hasText(o.description())) missing.add(name + " " + o.longestName());
            }
            for (PositionalParamSpec p : spec.positionalParameters()) {
                if (!p.hidden() && !hasText(p.description())) missing.add(name + " " + p.paramLabel());
            }
        }
        assertThat(missing).as("commands, options and parameters without a description").isEmpty();
    }

    private static boolean hasText(String[] lines) {
        return lines != null && Stream.of(lines).anyMatch(l -> !l.isBlank());
    }
}
