package dev.gantry.agent.network.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A blocking DNS client for tests: queries encoded and answers decoded by Netty's codec, so the assertions read records. */
final class DnsTestClient implements AutoCloseable {
    /** One decoded answer, detached from Netty's buffers. */
    record Reply(int id, DnsResponseCode code, boolean truncated, boolean authoritative, List<String> answers,
                 List<String> additionals, int authorities) {
    }

    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 1);
    private final DatagramSocket socket;
    private final InetSocketAddress server;

    DnsTestClient(InetSocketAddress server, int timeoutMillis) throws IOException {
        this.server = server;
        this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        socket.setSoTimeout(timeoutMillis);
    }

    Reply ask(String name, DnsRecordType type) throws IOException {
        return ask(name, type, false);
    }

    Reply ask(String name, DnsRecordType type, boolean edns) throws IOException {
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        send(query(id, name, type, edns));
        while (true) {
            Reply r = decode(receive());
            if (r.id() == id) return r;
        }
    }

    void send(byte[] bytes) throws IOException {
        socket.send(new java.net.DatagramPacket(bytes, bytes.length, server));
    }

    byte[] receive() throws IOException {
        byte[] buf = new byte[65_535];
        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
        socket.receive(p);
        return java.util.Arrays.copyOf(buf, p.getLength());
    }

    /** One query over a fresh TCP connection (2-byte length prefix). */
    Reply askTcp(String name, DnsRecordType type) throws IOException {
        byte[] q = query(4242, name, type, false);
        try (Socket s = new Socket()) {
            s.connect(server, 2_000);
            s.setSoTimeout(2_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] r = new byte[in.readUnsignedShort()];
            in.readFully(r);
            return decode(r);
        }
    }

    static byte[] query(int id, String name, DnsRecordType type, boolean edns) {
        EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsQueryEncoder());
        DatagramDnsQuery q = new DatagramDnsQuery(LOCAL, LOCAL, id).setRecursionDesired(true);
        q.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
        if (edns) q.addRecord(DnsSection.ADDITIONAL, new DefaultDnsRawRecord(".", DnsRecordType.OPT, 4096, 0, Unpooled.EMPTY_BUFFER));
        ch.writeOutbound(q);
        DatagramPacket p = ch.readOutbound();
        byte[] bytes = new byte[p.content().readableBytes()];
        p.content().readBytes(bytes);
        p.release();
        ch.finishAndReleaseAll();
        return bytes;
    }

    static Reply decode(byte[] bytes) {
        EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(bytes), LOCAL, LOCAL));
        DnsResponse r = ch.readInbound();
        try {
            return new Reply(r.id(), r.code(), r.isTruncated(), r.isAuthoritativeAnswer(), records(r, DnsSection.ANSWER),
                    records(r, DnsSection.ADDITIONAL), r.count(DnsSection.AUTHORITY));
        } finally {
            r.release();
            ch.finishAndReleaseAll();
        }
    }

    /** "name TYPE ttl data": A/AAAA data is the address, SRV "priority weight port target". */
    private static List<String> records(DnsResponse r, DnsSection section) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < r.count(section); i++) {
            DnsRecord rec = r.recordAt(section, i);
            if (rec.type() == DnsRecordType.OPT) continue;
            ByteBuf c = ((DnsRawRecord) rec).content().duplicate();
            String data;
            if (rec.type() == DnsRecordType.A || rec.type() == DnsRecordType.AAAA) {
                byte[] b = new byte[c.readableBytes()];
                c.readBytes(b);
                try {
                    data = InetAddress.getByAddress(b).getHostAddress();
                } catch (java.net.UnknownHostException e) {
                    throw new AssertionError(e);
                }
            } else if (rec.type() == DnsRecordType.SRV) {
                data = c.readUnsignedShort() + " " + c.readUnsignedShort() + " " + c.readUnsignedShort() + " "
                        + DefaultDnsRecordDecoder.decodeName(c);
            } else {
                data = c.readableBytes() + " bytes";
            }
            out.add(rec.name() + " " + rec.type().name() + " " + rec.timeToLive() + " " + data);
        }
        return out;
    }

    @Override
    public void close() {
        socket.close();
    }
}
