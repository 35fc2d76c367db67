package dev.gantry.agent.network.dns;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the host's resolver on loopback: answers any A question with {@link #ADDRESS}
 * (TTL 60), or, when silent, never answers. Records the names it was asked.
 */
final class FakeUpstream implements AutoCloseable {
    static final String ADDRESS = "192.0.2.53";
    private final DatagramSocket socket;
    private final boolean silent;
    private final Thread thread;
    final List<String> asked = new CopyOnWriteArrayList<>();

    FakeUpstream(boolean silent) throws IOException {
        this.silent = silent;
        this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        this.thread = new Thread(this::serve, "fake-upstream");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void serve() {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                byte[] answer = answer(java.util.Arrays.copyOf(buf, p.getLength()), (InetSocketAddress) p.getSocketAddress());
                if (!silent && answer != null) socket.send(new java.net.DatagramPacket(answer, answer.length, p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    private byte[] answer(byte[] query, InetSocketAddress from) {
        EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder());
        try {
            ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(query), address(), from));
            DatagramDnsQuery q = ch.readInbound();
            if (q == null) return null;
            DnsQuestion question = q.recordAt(DnsSection.QUESTION);
            asked.add(question.name());
            DatagramDnsResponse r = new DatagramDnsResponse(address(), from, q.id());
            r.setRecursionAvailable(true).setRecursionDesired(q.isRecursionDesired()).setCode(DnsResponseCode.NOERROR);
            r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type()));
            if (question.type() == DnsRecordType.A) {
                r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 60,
                        Unpooled.wrappedBuffer(new byte[]{(byte) 192, 0, 2, 53})));
            }
            q.release();
            ch.writeOutbound(r);
            DatagramPacket out = ch.readOutbound();
            byte[] bytes = new byte[out.content().readableBytes()];
            out.content().readBytes(bytes);
            out.release();
            return bytes;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(2_000);
    }
}
