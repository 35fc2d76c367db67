package dev.gantry.agent.network;

import java.util.List;
import java.util.Set;

/** A network that can find and remove the allocation networks no one owns any more (an optional feature). */
public interface NetworkOrphans {
    /**
     * Tears down every allocation network of this node that none of {@code allocationIds} owns.
     * Returns the namespace names removed; failures are logged and left for the next call.
     */
    List<String> removeOrphans(Set<String> allocationIds);
}
