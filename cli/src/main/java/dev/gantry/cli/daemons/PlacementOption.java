package dev.gantry.cli.daemons;

import dev.gantry.scheduler.placement.CapacityScoring;
import dev.gantry.scheduler.placement.PlacementSettings;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.util.List;

/** `--placement binpack|spread`, shared by `gantry scheduler` and `gantry dev`. */
public final class PlacementOption {
    static final List<String> CHOICES = List.of("binpack", "spread");

    @Option(names = "--placement", defaultValue = "binpack", paramLabel = "binpack|spread",
            converter = Scoring.class, completionCandidates = Choices.class,
            description = "How a replica chooses among the nodes it fits on (default: ${DEFAULT-VALUE}). binpack: the "
                    + "fullest node, keeping whole nodes free for big jobs and easy to drain; spread: the emptiest node, "
                    + "keeping load and what one lost node takes down small. Give every scheduler replica the same "
                    + "value: only the leader places, with its own setting.")
    CapacityScoring scoring;

    PlacementSettings settings() {
        return PlacementSettings.defaults().withCapacityScoring(scoring);
    }

    /** The flag's words for {@link CapacityScoring}; anything else is a usage error naming the choices. */
    static final class Scoring implements ITypeConverter<CapacityScoring> {
        @Override
        public CapacityScoring convert(String value) {
            return switch (value) {
                case "binpack" -> CapacityScoring.BIN_PACK;
                case "spread" -> CapacityScoring.SPREAD;
                default -> throw new TypeConversionException(
                        "expected one of " + String.join(", ", CHOICES) + " but was '" + value + "'");
            };
        }
    }

    static final class Choices implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return CHOICES.iterator();
        }
    }
}
