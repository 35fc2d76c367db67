package dev.gantry.agent.network.dns;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The replicas the DNS server answers from. Writers replace the whole set or apply changes; each
 * write builds a new immutable {@link CatalogSnapshot} and publishes it with one volatile write,
 * so the query path reads without locks and never sees half a change. Thread-safe; writes are
 * serialized (they are rare next to reads: once per readiness change).
 */
public final class ServiceCatalog {
    private final Map<String, CatalogEntry> entries = new HashMap<>();
    private volatile CatalogSnapshot snapshot = CatalogSnapshot.of(java.util.List.of());

    /** Replaces every entry (on a new stream from the scheduler). */
    public synchronized void replaceAll(Collection<CatalogEntry> all) {
        entries.clear();
        all.forEach(e -> entries.put(e.allocationId(), e));
        publish();
    }

    /** Upserts by allocation id, then removes; one atomic step for readers. Unknown removals are ignored. */
    public synchronized void apply(Collection<CatalogEntry> upserted, Collection<String> removedAllocationIds) {
        upserted.forEach(e -> entries.put(e.allocationId(), e));
        removedAllocationIds.forEach(entries::remove);
        publish();
    }

    public CatalogSnapshot snapshot() {
        return snapshot;
    }

    private void publish() {
        snapshot = CatalogSnapshot.of(entries.values());
    }
}
