/**
 * The docker task driver: runs each task as a Docker Engine container through the Engine API
 * (docker-java with its zero-dependency transport), with the runc driver's secure defaults,
 * images loaded into the engine from local archives, and output copied into the agent's log file.
 *
 * <p>Host requirements: a Docker Engine with API 1.41 or later (20.10+) on a unix socket (default
 * {@code /var/run/docker.sock}) or plain TCP; the agent must be allowed to use it. With a remote
 * engine, exec commands that time out cannot be killed. Run dockerd with {@code live-restore}
 * so that containers survive a restart of the engine itself.
 */
package dev.gantry.agent.driver.docker;
