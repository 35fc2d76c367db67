package dev.gantry.scheduler.placement;

import java.util.List;

/** Does the node have every task driver the job names (and some driver at all, for tasks that name none)? */
final class DriverCheck implements FeasibilityCheck {
    private final String[] drivers;
    private final String[] reasons;
    /** The named drivers' bits in the table's numbering, or 0 when one has none: then the sets are compared. */
    private final long required;

    DriverCheck(List<String> drivers, NodeTable table) {
        this.drivers = drivers.toArray(String[]::new);
        this.reasons = drivers.stream().map(d -> "missing driver " + d).toArray(String[]::new);
        long bits = 0;
        for (String d : this.drivers) {
            long bit = table.driverBit(d);
            if (bit == 0) {
                bits = 0;
                break;
            }
            bits |= bit;
        }
        this.required = bits;
    }

    @Override
    public String reject(NodeSlot node) {
        if (required != 0 && (node.driverBits & required) == required) return null;
        for (int i = 0; i < drivers.length; i++) {
            if (!node.drivers.contains(drivers[i])) return reasons[i];
        }
        if (node.drivers.isEmpty()) return "no task driver available";
        return null;
    }
}
