package dev.gantry.agent.driver;

/** A task's state as the runtime sees it; {@code exit} is null while it runs. */
public record TaskInspection(State state, int pid, ExitResult exit) {
    public enum State { CREATED, RUNNING, EXITED, UNKNOWN }
}
