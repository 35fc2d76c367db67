package dev.gantry.agent.alloc;

import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageException;
import dev.gantry.agent.image.ImageStore;
import dev.gantry.agent.image.PullPolicy;
import dev.gantry.agent.image.RegistryCredentials;
import dev.gantry.api.v1.Task;

import java.util.function.Consumer;

/** Where runners get images from: the image store in production ({@link #of(ImageStore)}), a fixed image in tests. */
@FunctionalInterface
public interface ImageResolver {
    Image resolve(String reference) throws ImageException;

    /**
     * The task's image under the task's pull policy, telling {@code progress} how a pull goes
     * ("pulling docker.io/x:1: 12.3/50.1 MB"). The default ignores both.
     */
    default Image resolve(Task task, Consumer<String> progress) throws ImageException {
        return resolve(task.getImage());
    }

    /**
     * As {@link #resolve(Task, Consumer)}, pulling with {@code pullSecret} (the task's image pull
     * secret; null: none) before the agent's own credentials. The default ignores the secret.
     */
    default Image resolve(Task task, RegistryCredentials pullSecret, Consumer<String> progress) throws ImageException {
        return resolve(task, progress);
    }

    /** The agent's image store, with each task's pull policy and progress. */
    static ImageResolver of(ImageStore store) {
        return new ImageResolver() {
            @Override
            public Image resolve(String reference) throws ImageException {
                return store.ensure(reference);
            }

            @Override
            public Image resolve(Task task, Consumer<String> progress) throws ImageException {
                return resolve(task, null, progress);
            }

            @Override
            public Image resolve(Task task, RegistryCredentials pullSecret, Consumer<String> progress)
                    throws ImageException {
                PullPolicy policy;
                try {
                    policy = PullPolicy.of(task.getPullPolicy(), task.getImage());
                } catch (IllegalArgumentException e) {
                    throw new ImageException("image " + task.getImage() + ": " + e.getMessage());
                }
                return store.ensure(task.getImage(), policy, pullSecret, p -> progress.accept(p.describe()));
            }
        };
    }
}
