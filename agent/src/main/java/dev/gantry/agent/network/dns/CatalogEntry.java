package dev.gantry.agent.network.dns;

import java.net.InetAddress;
import java.util.Map;
import java.util.Objects;

/**
 * One replica as the DNS server sees it. Only {@code ready} entries appear in answers; unready
 * ones are kept so that a change can flip readiness without losing the rest.
 *
 * @param allocationId the key: changes replace or remove entries by it
 * @param index        the replica's index within its job ({@code <index>.<job>.<namespace>.gantry})
 * @param address      where other replicas reach it (A for IPv4, AAAA for IPv6)
 * @param ports        port name to the port number clients connect to on {@code address} (SRV)
 */
public record CatalogEntry(String allocationId, String namespace, String job, int index, InetAddress address,
                           Map<String, Integer> ports, boolean ready) {
    public CatalogEntry {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(address, "address");
        if (index < 0) throw new IllegalArgumentException("negative index " + index);
        ports = Map.copyOf(ports);
    }

    public CatalogEntry withReady(boolean ready) {
        return new CatalogEntry(allocationId, namespace, job, index, address, ports, ready);
    }
}
