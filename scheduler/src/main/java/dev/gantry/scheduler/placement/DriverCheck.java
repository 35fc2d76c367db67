package dev.gantry.scheduler.placement;

import java.util.List;

/** Does the node have every task driver the job names (and some driver at all, for tasks that name none)? */
final class DriverCheck implements FeasibilityCheck {
    private final String[] drivers;
    private final String[] reasons;

    DriverCheck(List<String> drivers) {
        this.drivers = drivers.toArray(String[]::new);
        this.reasons = drivers.stream().map(d -> "missing driver " + d).toArray(String[]::new);
    }

    @Override
    public String reject(NodeSlot node) {
        for (int i = 0; i < drivers.length; i++) {
            if (!node.drivers.contains(drivers[i])) return reasons[i];
        }
        if (node.drivers.isEmpty()) return "no task driver available";
        return null;
    }
}
