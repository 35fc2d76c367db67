package dev.gantry.api.spec;

import dev.gantry.api.v1.Affinity;
import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Spread;
import java.util.List;

/** Reads the placement rules of a job: {@code constraints}, {@code affinities}, {@code spread}. */
final class PlacementSpecReader {
  static final List<String> CONSTRAINT_FIELDS = List.of("attribute", "operator", "value", "values", "distinct_hosts");
  static final List<String> AFFINITY_FIELDS = List.of("attribute", "operator", "value", "values", "weight");
  static final List<String> SPREAD_FIELDS = List.of("attribute", "targets");

  private PlacementSpecReader() {}

  static Constraint constraint(MappingReader c) {
    Constraint.Builder out = Constraint.newBuilder();
    c.string("attribute").ifPresent(out::setAttribute);
    c.string("operator").ifPresent(out::setOperator);
    c.string("value").ifPresent(out::setValue);
    out.addAllValues(c.strings("values", false));
    c.bool("distinct_hosts").ifPresent(out::setDistinctHosts);
    return out.build();
  }

  static Affinity affinity(MappingReader a) {
    Affinity.Builder out = Affinity.newBuilder();
    a.string("attribute").ifPresent(out::setAttribute);
    a.string("operator").ifPresent(out::setOperator);
    a.string("value").ifPresent(out::setValue);
    out.addAllValues(a.strings("values", false));
    a.int32("weight").ifPresent(out::setWeight);
    return out.build();
  }

  static Spread spread(MappingReader s) {
    Spread.Builder out = Spread.newBuilder();
    s.string("attribute").ifPresent(out::setAttribute);
    // Percentages stay strings ("50%"); JobValidator checks them.
    out.putAllTargets(s.stringMap("targets"));
    return out.build();
  }
}
