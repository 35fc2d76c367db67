package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gantry.scheduler.testing.Fixtures.constraint;
import static dev.gantry.scheduler.testing.Fixtures.constraintIn;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.scheduler.testing.Fixtures.withAttributes;
import static dev.gantry.scheduler.testing.Fixtures.withLabels;
import static org.assertj.core.api.Assertions.assertThat;

class ConstraintCheckTest {
    private final PlacementEngine engine = new PlacementEngine();

    private final Node eu1 = withAttributes(withLabels(node("n1", 4000, 4096), "zone", "eu-1", "disk", "ssd"),
            "os.arch", "amd64", "kernel.version", "6.1.0-18-amd64");
    private final Node eu2 = withAttributes(withLabels(node("n2", 4000, 4096), "zone", "eu-2"),
            "os.arch", "arm64", "kernel.version", "5.10.0");
    private final Node us1 = withAttributes(withLabels(node("n3", 4000, 4096), "zone", "us-1", "disk", "hdd"),
            "os.arch", "amd64", "kernel.version", "4.19");

    /** The nodes a one-replica job with this constraint may use, in id order. */
    private List<String> feasible(Constraint c) {
        Job j = job("j", 1, 100, 64).toBuilder().addConstraints(c).build();
        NodeTable t = NodeTable.of(List.of(eu1, eu2, us1), List.of());
        PlacementRequest req = PlacementRequest.compile(j, PlacementSettings.defaults(), t);
        return t.slots().stream().filter(s -> req.reject(s) == null).map(NodeSlot::id).toList();
    }

    @Test
    void equalsAndNotEquals() {
        assertThat(feasible(constraint("node.labels.zone", "=", "eu-1"))).containsExactly("n1");
        assertThat(feasible(constraint("node.labels.zone", "!=", "eu-1"))).containsExactly("n2", "n3");
        // A node without the label is "not ssd".
        assertThat(feasible(constraint("node.labels.disk", "!=", "ssd"))).containsExactly("n2", "n3");
    }

    @Test
    void inAndNotIn() {
        assertThat(feasible(constraintIn("node.labels.zone", "in", "eu-1", "eu-2"))).containsExactly("n1", "n2");
        assertThat(feasible(constraintIn("node.labels.zone", "not_in", "eu-1", "eu-2"))).containsExactly("n3");
        assertThat(feasible(constraintIn("node.labels.disk", "in", "ssd", "hdd"))).containsExactly("n1", "n3");
    }

    @Test
    void regexpFindsWithinTheValue() {
        assertThat(feasible(constraint("node.labels.zone", "regexp", "^eu-"))).containsExactly("n1", "n2");
        assertThat(feasible(constraint("node.labels.zone", "regexp", "1$"))).containsExactly("n1", "n3");
    }

    @Test
    void versionComparesDottedVersions() {
        assertThat(feasible(constraint("kernel.version", "version", ">= 5.4"))).containsExactly("n1", "n2");
        assertThat(feasible(constraint("kernel.version", "version", ">= 4.0, < 6.0"))).containsExactly("n2", "n3");
        assertThat(feasible(constraint("kernel.version", "version", "~> 5.1"))).containsExactly("n2");
    }

    @Test
    void isSetAndIsNotSet() {
        assertThat(feasible(constraint("node.labels.disk", "is_set", ""))).containsExactly("n1", "n3");
        assertThat(feasible(constraint("node.labels.disk", "is_not_set", ""))).containsExactly("n2");
    }

    @Test
    void attributeNamesReadNameIdLabelsAndAttributes() {
        assertThat(feasible(constraint("node.name", "=", "n2"))).containsExactly("n2");
        assertThat(feasible(constraint("node.id", "!=", "n2"))).containsExactly("n1", "n3");
        assertThat(feasible(constraint("node.os.arch", "=", "amd64"))).containsExactly("n1", "n3");
        assertThat(feasible(constraint("os.arch", "=", "arm64"))).containsExactly("n2");
        assertThat(feasible(constraint("node.attributes.os.arch", "=", "arm64"))).containsExactly("n2");
        assertThat(feasible(constraint("${node.labels.zone}", "=", "us-1"))).containsExactly("n3");
        // Labels are not read by a bare name.
        assertThat(feasible(constraint("zone", "=", "eu-1"))).isEmpty();
    }

    @Test
    void anUnknownOperatorOrBadOperandMatchesNothing() {
        assertThat(feasible(constraint("node.labels.zone", "like", "eu-1"))).isEmpty();
        assertThat(feasible(constraint("node.labels.zone", "regexp", "("))).isEmpty();
        assertThat(feasible(constraint("kernel.version", "version", "newest"))).isEmpty();
    }

    @Test
    void explanationsNameTheConstraint() {
        Job j = job("j", 1, 100, 64).toBuilder()
                .addConstraints(constraintIn("node.labels.zone", "in", "eu-1", "eu-2"))
                .addConstraints(constraint("node.os.arch", "=", "amd64"))
                .build();
        PlacementOutcome first = engine.place(j, "", NodeTable.of(List.of(eu2, us1), List.of()));
        assertThat(first.explain()).isEqualTo("2 nodes evaluated: "
                + "1 constraint node.labels.zone in [eu-1, eu-2] not met, 1 constraint node.os.arch = amd64 not met");
        Job set = job("s", 1, 100, 64).toBuilder().addConstraints(constraint("node.labels.gpu", "is_set", "")).build();
        assertThat(engine.place(set, "", NodeTable.of(List.of(eu1), List.of())).explain())
                .isEqualTo("1 node evaluated: 1 constraint node.labels.gpu is_set not met");
    }
}
