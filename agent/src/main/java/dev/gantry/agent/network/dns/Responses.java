package dev.gantry.agent.network.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;

/**
 * Turns an {@link Answer} into a DNS response within a size budget: the UDP limit (512 bytes, or
 * what the client's EDNS record offers, at most {@link #UDP_EDNS_MAX}) or TCP's 64 KiB. Answers
 * that do not fit are cut and the response marked truncated, so that a client retries over TCP;
 * additional records (SRV glue) are only added while they fit. Negative answers carry the zone's
 * SOA so that resolvers cache them for {@link #TTL_SECONDS} only.
 */
final class Responses {
    /** Every record's TTL and the negative-caching time: replicas come and go within seconds. */
    static final long TTL_SECONDS = 5;
    static final int UDP_PLAIN = 512;
    /** The DNS flag day 2020 recommendation: no IP fragmentation on common paths. */
    static final int UDP_EDNS_MAX = 1232;
    static final int TCP_MAX = 65_535;
    private static final int HEADER = 12;
    private static final int RECORD_FIXED = 10;  // type, class, TTL, rdata length
    private static final int OPT_SIZE = 11;

    private Responses() {
    }

    /** The UDP budget for a query: 512 bytes, or the client's EDNS payload size within [512, 1232]. */
    static int udpLimit(DnsQuery query) {
        DnsRecord opt = opt(query);
        if (opt == null) return UDP_PLAIN;
        return Math.max(UDP_PLAIN, Math.min(UDP_EDNS_MAX, opt.dnsClass() & 0xFFFF));
    }

    /** Fills {@code response} (id already set) for our own zone; {@code limit} bounds its encoded size. */
    static void fill(DnsResponse response, DnsQuery query, DnsQuestion question, Answer answer, int limit) {
        response.setAuthoritativeAnswer(true);
        header(response, query);
        response.addRecord(DnsSection.QUESTION, question);  // not reference-counted: shared with the query safely
        boolean edns = opt(query) != null;
        int size = HEADER + DnsNames.wireLength(question.name()) + 4 + (edns ? OPT_SIZE : 0);
        response.setCode(answer.kind() == Answer.Kind.NO_SUCH_NAME ? DnsResponseCode.NXDOMAIN : DnsResponseCode.NOERROR);
        for (Answer.ResourceRecord r : answer.answers()) {
            int s = size(r);
            if (size + s > limit) {
                response.setTruncated(true);
                break;
            }
            size += s;
            response.addRecord(DnsSection.ANSWER, encode(r));
        }
        if (answer.answers().isEmpty()) {
            response.addRecord(DnsSection.AUTHORITY, soa());
        } else if (!response.isTruncated()) {
            for (Answer.ResourceRecord r : answer.additionals()) {
                int s = size(r);
                if (size + s > limit) break;
                size += s;
                response.addRecord(DnsSection.ADDITIONAL, encode(r));
            }
        }
        if (edns) response.addRecord(DnsSection.ADDITIONAL, optRecord());
    }

    /** A response with no records but the question, such as SERVFAIL, FORMERR or NOTIMP. */
    static void failure(DnsResponse response, DnsQuery query, DnsResponseCode code) {
        header(response, query);
        response.setCode(code);
        if (query.count(DnsSection.QUESTION) == 1) {
            response.addRecord(DnsSection.QUESTION, query.<DnsQuestion>recordAt(DnsSection.QUESTION));
        }
        if (opt(query) != null) response.addRecord(DnsSection.ADDITIONAL, optRecord());
    }

    private static void header(DnsResponse response, DnsQuery query) {
        response.setOpCode(query.opCode());
        response.setRecursionDesired(query.isRecursionDesired());
        response.setRecursionAvailable(true);
    }

    private static DnsRecord opt(DnsQuery query) {
        int n = query.count(DnsSection.ADDITIONAL);
        for (int i = 0; i < n; i++) {
            DnsRecord r = query.recordAt(DnsSection.ADDITIONAL, i);
            if (r.type() == DnsRecordType.OPT) return r;
        }
        return null;
    }

    private static int size(Answer.ResourceRecord r) {
        int rdata = r instanceof Answer.AddressRecord a
                ? a.address().getAddress().length
                : 6 + DnsNames.wireLength(((Answer.ServiceRecord) r).target());
        return DnsNames.wireLength(r.name()) + RECORD_FIXED + rdata;
    }

    private static DnsRecord encode(Answer.ResourceRecord r) {
        if (r instanceof Answer.AddressRecord a) {
            return new WireRecord(a.name(), a.address() instanceof Inet4Address ? DnsRecordType.A : DnsRecordType.AAAA,
                    TTL_SECONDS, Unpooled.wrappedBuffer(a.address().getAddress()));
        }
        Answer.ServiceRecord s = (Answer.ServiceRecord) r;
        ByteBuf rdata = Unpooled.buffer(6 + DnsNames.wireLength(s.target()));
        rdata.writeShort(s.priority()).writeShort(s.weight()).writeShort(s.port());
        writeName(rdata, s.target());
        return new WireRecord(s.name(), DnsRecordType.SRV, TTL_SECONDS, rdata);
    }

    /** The zone's SOA: its minimum (negative-caching TTL, RFC 2308) is the record TTL. */
    private static DnsRecord soa() {
        ByteBuf rdata = Unpooled.buffer(64);
        writeName(rdata, "ns.gantry.");
        writeName(rdata, "hostmaster.gantry.");
        rdata.writeInt(1).writeInt(3600).writeInt(600).writeInt(86_400).writeInt((int) TTL_SECONDS);
        return new WireRecord(DnsNames.DOMAIN, DnsRecordType.SOA, TTL_SECONDS, rdata);
    }

    /** EDNS(0): the UDP payload size we accept travels in the class field (RFC 6891). */
    private static DnsRecord optRecord() {
        return new WireRecord(".", DnsRecordType.OPT, UDP_EDNS_MAX, 0, Unpooled.EMPTY_BUFFER);
    }

    /** Uncompressed wire form of an absolute name whose labels are already checked. */
    static void writeName(ByteBuf out, String name) {
        int start = 0;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) != '.') continue;
            byte[] label = name.substring(start, i).getBytes(StandardCharsets.US_ASCII);
            out.writeByte(label.length).writeBytes(label);
            start = i + 1;
        }
        if (start < name.length()) {
            byte[] label = name.substring(start).getBytes(StandardCharsets.US_ASCII);
            out.writeByte(label.length).writeBytes(label);
        }
        out.writeByte(0);
    }
}
