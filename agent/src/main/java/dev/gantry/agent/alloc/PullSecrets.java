package dev.gantry.agent.alloc;

import com.google.protobuf.ByteString;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageException;
import dev.gantry.agent.image.RegistryCredentials;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.Task;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The image pull secrets the scheduler sent with this node's allocations, in memory only: they
 * are never written to disk nor logged. Each desired set replaces what was known, so a changed
 * or deleted secret takes effect with the next pull. Thread-safe.
 */
final class PullSecrets {
    private volatile Map<String, Map<String, ByteString>> byAllocation = Map.of();

    /** Takes the secrets of every listed allocation; an allocation not listed has none. */
    void update(DesiredAllocations desired) {
        Map<String, Map<String, ByteString>> next = new HashMap<>();
        for (Assignment a : desired.getAssignmentsList()) {
            next.put(a.getAllocation().getId(), Map.copyOf(a.getImagePullSecretsMap()));
        }
        byAllocation = Map.copyOf(next);
    }

    /**
     * The credentials that {@code task} of {@code alloc} pulls with before the agent's own: empty
     * when it names no secret, and also when the scheduler has not yet sent this allocation
     * (re-adopted after an agent restart, before reconnecting), which the agent's own credentials
     * then serve.
     *
     * @throws ImageException when the scheduler sent the allocation without the secret: it does not exist
     */
    Optional<RegistryCredentials> credentialsFor(Allocation alloc, Task task) throws ImageException {
        String name = task.getImagePullSecret();
        if (name.isEmpty()) return Optional.empty();
        Map<String, ByteString> known = byAllocation.get(alloc.getId());
        if (known == null) return Optional.empty();
        ByteString data = known.get(name);
        if (data == null) {
            String ns = alloc.getNamespace().isEmpty() ? "default" : alloc.getNamespace();
            throw new ImageException("image pull secret " + name
                    + " not found in namespace " + ns + " (create it with `gantry secret put " + name
                    + " -f config.json`" + (ns.equals("default") ? "" : " -n " + ns) + ")");
        }
        return Optional.of(RegistryCredentials.fromSecret(name, data.toByteArray()));
    }

    /** {@code images} for the tasks of one allocation, each pulling with its image pull secret. */
    ImageResolver resolverFor(Allocation alloc, ImageResolver images) {
        return new ImageResolver() {
            @Override
            public Image resolve(String reference) throws ImageException {
                return images.resolve(reference);
            }

            @Override
            public Image resolve(Task task, Consumer<String> progress) throws ImageException {
                RegistryCredentials secret;
                try {
                    secret = credentialsFor(alloc, task).orElse(null);
                } catch (ImageException e) {
                    throw new ImageException("image " + task.getImage() + ": " + e.getMessage(), e);
                }
                return images.resolve(task, secret, progress);
            }
        };
    }
}
