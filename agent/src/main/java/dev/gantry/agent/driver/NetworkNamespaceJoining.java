package dev.gantry.agent.driver;

/**
 * Optional driver feature (a marker): the driver runs a task inside the named network namespace
 * of {@link TaskConfig#network()}. A driver without it would silently run the task in some other
 * network, so the agent refuses to start bridge- and none-mode tasks on it.
 */
public interface NetworkNamespaceJoining {
}
