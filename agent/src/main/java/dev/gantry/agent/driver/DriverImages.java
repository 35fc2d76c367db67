package dev.gantry.agent.driver;

import dev.gantry.agent.image.Image;

/**
 * Optional driver feature: the driver keeps its own images (Docker Engine's image store) rather
 * than running the agent's unpacked layers. The agent asks it, not the image store, for a task's
 * image, and passes {@link Image#manifestDigest()} on as {@link TaskConfig#image()}.
 */
public interface DriverImages {

    /**
     * Makes {@code reference} available to the driver and describes it: its ID as {@code
     * manifestDigest}, no layers, and the config that shapes the task's argv and environment.
     * Idempotent; thread-safe.
     */
    Image image(String reference) throws DriverException;
}
