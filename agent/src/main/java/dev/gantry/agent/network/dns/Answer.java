package dev.gantry.agent.network.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * What the server replies to one question, before any wire encoding: the pure result of
 * {@link Lookup}. {@code FOUND} with no records is NODATA (the name exists, not with that type).
 */
record Answer(Kind kind, List<ResourceRecord> answers, List<ResourceRecord> additionals) {
    enum Kind { FOUND, NO_SUCH_NAME, FORWARD }

    sealed interface ResourceRecord permits AddressRecord, ServiceRecord {
        String name();
    }

    /** A (IPv4) or AAAA (IPv6) by the address's family. */
    record AddressRecord(String name, InetAddress address) implements ResourceRecord {
    }

    record ServiceRecord(String name, int priority, int weight, int port, String target) implements ResourceRecord {
    }

    static final Answer FORWARD = new Answer(Kind.FORWARD, List.of(), List.of());
    static final Answer NO_SUCH_NAME = new Answer(Kind.NO_SUCH_NAME, List.of(), List.of());
    static final Answer NO_DATA = new Answer(Kind.FOUND, List.of(), List.of());

    static Answer found(List<ResourceRecord> answers, List<ResourceRecord> additionals) {
        return new Answer(Kind.FOUND, List.copyOf(answers), List.copyOf(additionals));
    }
}
