package dev.gantry.agent.network.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The catalog indexed by canonical name, built once per change so that a query is a few map
 * lookups. Only ready replicas contribute. Lists are in replica index order (the rotation is
 * applied per query by {@link Lookup}); addresses are distinct, since replicas may share one
 * (host networking: the node's address).
 */
public final class CatalogSnapshot {
    /** One SRV answer: the replica's index name, its port, and the address that name resolves to. */
    record ServiceTarget(String target, int port, InetAddress address) {
    }

    private static final Comparator<CatalogEntry> ORDER = Comparator.comparing(CatalogEntry::namespace)
            .thenComparing(CatalogEntry::job).thenComparingInt(CatalogEntry::index)
            .thenComparing(CatalogEntry::allocationId);

    private final Map<String, List<InetAddress>> addresses;
    private final Map<String, List<ServiceTarget>> targets;
    private final Set<String> names;
    private final int ready;

    private CatalogSnapshot(Map<String, List<InetAddress>> addresses, Map<String, List<ServiceTarget>> targets,
                            Set<String> names, int ready) {
        this.addresses = addresses;
        this.targets = targets;
        this.names = names;
        this.ready = ready;
    }

    static CatalogSnapshot of(Collection<CatalogEntry> entries) {
        List<CatalogEntry> sorted = entries.stream().filter(CatalogEntry::ready).sorted(ORDER).toList();
        Map<String, Set<InetAddress>> addresses = new HashMap<>();
        Map<String, List<ServiceTarget>> targets = new HashMap<>();
        Set<String> names = new HashSet<>();
        int ready = 0;
        for (CatalogEntry e : sorted) {
            String service = DnsNames.service(e.namespace(), e.job());
            String replica = DnsNames.replica(e.index(), e.namespace(), e.job());
            if (!DnsNames.encodable(replica)) continue;
            ready++;
            addresses.computeIfAbsent(service, k -> new LinkedHashSet<>()).add(e.address());
            addresses.computeIfAbsent(replica, k -> new LinkedHashSet<>()).add(e.address());
            names.add(service);
            names.add(replica);
            names.add(DnsNames.namespace(e.namespace()));
            e.ports().forEach((portName, port) -> {
                String srv = DnsNames.port(portName, e.namespace(), e.job());
                if (!DnsNames.encodable(srv) || port < 1 || port > 65535) return;
                targets.computeIfAbsent(srv, k -> new ArrayList<>()).add(new ServiceTarget(replica, port, e.address()));
                names.add(srv);
                names.add("_tcp." + service);
            });
        }
        names.add(DnsNames.DOMAIN);
        Map<String, List<InetAddress>> frozen = new HashMap<>();
        addresses.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        Map<String, List<ServiceTarget>> frozenTargets = new HashMap<>();
        targets.forEach((k, v) -> frozenTargets.put(k, List.copyOf(v)));
        return new CatalogSnapshot(Map.copyOf(frozen), Map.copyOf(frozenTargets), Set.copyOf(names), ready);
    }

    /** Addresses of a service or replica name; empty when the name has none. */
    List<InetAddress> addresses(String canonical) {
        return addresses.getOrDefault(canonical, List.of());
    }

    /** SRV targets of a {@code _<port>._tcp.} name; empty when the name has none. */
    List<ServiceTarget> targets(String canonical) {
        return targets.getOrDefault(canonical, List.of());
    }

    /** Whether the name exists (a record of any type, or names below it): NODATA rather than NXDOMAIN. */
    boolean exists(String canonical) {
        return names.contains(canonical);
    }

    /** Ready replicas answered for. */
    public int readyCount() {
        return ready;
    }
}
