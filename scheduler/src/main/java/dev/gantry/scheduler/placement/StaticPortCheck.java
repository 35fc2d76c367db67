package dev.gantry.scheduler.placement;

/** Is every static port the job asks for still free on the node? */
final class StaticPortCheck implements FeasibilityCheck {
    private final int[] ports;
    private final String[] reasons;

    StaticPortCheck(int[] ports) {
        this.ports = ports.clone();
        this.reasons = new String[ports.length];
        for (int i = 0; i < ports.length; i++) reasons[i] = "port " + ports[i] + " in use";
    }

    @Override
    public String reject(NodeSlot node) {
        for (int i = 0; i < ports.length; i++) {
            if (node.usedPorts.contains(ports[i])) return reasons[i];
        }
        return null;
    }
}
