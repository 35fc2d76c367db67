package dev.gantry.agent.network.dns;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import dev.gantry.api.v1.ServiceEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Applies the scheduler's service catalog messages to a {@link ServiceCatalog}: a full one
 * replaces everything, others upsert and remove. Every endpoint it gets is ready. An endpoint
 * whose address is not an IP literal is left out (resolving a name here would block the stream
 * on the resolver, possibly on this very server); it is logged once per address.
 */
public final class CatalogFeed implements Consumer<ServiceCatalogUpdate> {
    private static final Logger log = LoggerFactory.getLogger(CatalogFeed.class);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final ServiceCatalog catalog;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    public CatalogFeed(ServiceCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public void accept(ServiceCatalogUpdate update) {
        List<CatalogEntry> entries = new ArrayList<>(update.getUpsertedCount());
        for (ServiceEndpoint e : update.getUpsertedList()) {
            CatalogEntry entry = entry(e);
            if (entry != null) entries.add(entry);
        }
        if (update.getFull()) catalog.replaceAll(entries);
        else catalog.apply(entries, update.getRemovedList());
    }

    private CatalogEntry entry(ServiceEndpoint e) {
        String address = e.getEndpoint().getAddress();
        InetAddress ip = literal(address);
        if (ip == null) {
            if (reported.add(address)) log.warn("service catalog: address {} of {}/{} is not an IP address; left out of DNS",
                    address, e.getNamespace(), e.getJob());
            return null;
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (AllocatedPort p : e.getEndpoint().getPortsList()) {
            if (!p.getName().isEmpty()) ports.putIfAbsent(p.getName(), p.getValue());
        }
        return new CatalogEntry(e.getEndpoint().getAllocationId(), e.getNamespace(), e.getJob(), e.getEndpoint().getIndex(),
                ip, ports, true);
    }

    private static InetAddress literal(String s) {
        if (!IPV4.matcher(s).matches() && !s.contains(":")) return null;
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
