package dev.gantry.agent.network.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;

/**
 * A record whose name is already a valid ASCII DNS name (ours, or the question's as decoded),
 * encoded by Netty's raw-record path. Netty's own {@code DefaultDnsRawRecord} runs
 * {@code IDN.toASCII} on every name it is built with, which was about a third of the server's
 * CPU per answer; this skips it.
 */
final class WireRecord extends DefaultByteBufHolder implements DnsRawRecord {
    private final String name;
    private final DnsRecordType type;
    private final int dnsClass;
    private final long ttl;

    WireRecord(String name, DnsRecordType type, int dnsClass, long ttl, ByteBuf rdata) {
        super(rdata);
        this.name = name.endsWith(".") ? name : name + ".";
        this.type = type;
        this.dnsClass = dnsClass;
        this.ttl = ttl;
    }

    WireRecord(String name, DnsRecordType type, long ttl, ByteBuf rdata) {
        this(name, type, DnsRecord.CLASS_IN, ttl, rdata);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DnsRecordType type() {
        return type;
    }

    @Override
    public int dnsClass() {
        return dnsClass;
    }

    @Override
    public long timeToLive() {
        return ttl;
    }

    @Override
    public DnsRawRecord copy() {
        return replace(content().copy());
    }

    @Override
    public DnsRawRecord duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public DnsRawRecord retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public DnsRawRecord replace(ByteBuf content) {
        return new WireRecord(name, type, dnsClass, ttl, content);
    }

    @Override
    public DnsRawRecord retain() {
        super.retain();
        return this;
    }

    @Override
    public DnsRawRecord retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public DnsRawRecord touch() {
        super.touch();
        return this;
    }

    @Override
    public DnsRawRecord touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return name + " " + type.name() + " " + ttl + " " + contentToString();
    }
}
