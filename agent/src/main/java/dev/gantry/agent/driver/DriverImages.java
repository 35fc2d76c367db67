package dev.gantry.agent.driver;

import dev.gantry.agent.image.Image;

import java.util.Optional;

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

    /** As {@link #image}, or empty when the driver does not have {@code reference} (a registry image it lacks). */
    Optional<Image> existing(String reference) throws DriverException;

    /**
     * Makes an image the agent's store pulled from a registry ({@code pulled}, verified there)
     * available to the driver, once per image, and describes it as {@link #image} does.
     */
    Image load(Image pulled) throws DriverException;
}
