package dev.gantry.agent.network.dns;

import io.netty.handler.codec.dns.DnsRecordType;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers one question from a catalog snapshot: a pure function, so that every naming rule is
 * tested without sockets. {@code rotation} picks where the list of replicas starts (the server
 * passes a counter, so successive queries spread clients over the replicas).
 *
 * <p>Rules: names outside {@code gantry.} are forwarded. Under it, a name with records of the
 * asked type answers them; a name that exists without them is NODATA (an AAAA query for an
 * IPv4-only service must not say NXDOMAIN: musl and others would then drop the A answer too);
 * anything else is NXDOMAIN. A job whose replicas are all unready does not exist.
 */
final class Lookup {
    static final int SRV_PRIORITY = 0;
    static final int SRV_WEIGHT = 1;

    private Lookup() {
    }

    static Answer answer(CatalogSnapshot snapshot, String name, DnsRecordType type, int rotation) {
        String canonical = DnsNames.canonical(name);
        if (!DnsNames.isOurs(canonical)) return Answer.FORWARD;
        List<Answer.ResourceRecord> answers = new ArrayList<>();
        List<Answer.ResourceRecord> additionals = new ArrayList<>();
        if (type == DnsRecordType.A || type == DnsRecordType.AAAA || type == DnsRecordType.ANY) {
            for (InetAddress a : rotated(snapshot.addresses(canonical), rotation)) {
                if (type == DnsRecordType.ANY || (a instanceof Inet4Address) == (type == DnsRecordType.A)) {
                    answers.add(new Answer.AddressRecord(name, a));
                }
            }
        }
        if (type == DnsRecordType.SRV || type == DnsRecordType.ANY) {
            Map<String, InetAddress> glue = new LinkedHashMap<>();
            for (CatalogSnapshot.ServiceTarget t : rotated(snapshot.targets(canonical), rotation)) {
                answers.add(new Answer.ServiceRecord(name, SRV_PRIORITY, SRV_WEIGHT, t.port(), t.target()));
                glue.putIfAbsent(t.target(), t.address());
            }
            glue.forEach((target, address) -> additionals.add(new Answer.AddressRecord(target, address)));
        }
        if (!answers.isEmpty()) return Answer.found(answers, additionals);
        return snapshot.exists(canonical) ? Answer.NO_DATA : Answer.NO_SUCH_NAME;
    }

    private static <T> List<T> rotated(List<T> list, int rotation) {
        int n = list.size();
        if (n < 2) return list;
        int start = Math.floorMod(rotation, n);
        if (start == 0) return list;
        List<T> out = new ArrayList<>(n);
        out.addAll(list.subList(start, n));
        out.addAll(list.subList(0, start));
        return out;
    }
}
