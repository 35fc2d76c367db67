package dev.gantry.agent.health;

/** The outcome of one probe; {@code detail} says what was seen ("HTTP 500", "connection refused"). */
public record ProbeResult(boolean ok, String detail) {
    public static ProbeResult pass(String detail) {
        return new ProbeResult(true, detail);
    }

    public static ProbeResult fail(String detail) {
        return new ProbeResult(false, detail);
    }
}
