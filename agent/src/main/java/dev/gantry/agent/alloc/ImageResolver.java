package dev.gantry.agent.alloc;

import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageException;

/** Where runners get images from: the image store in production ({@code ImageStore::ensure}), a fixed image in tests. */
@FunctionalInterface
public interface ImageResolver {
    Image resolve(String reference) throws ImageException;
}
