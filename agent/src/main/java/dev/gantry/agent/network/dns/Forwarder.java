package dev.gantry.agent.network.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Relays questions outside our zone to the upstream resolvers over UDP and their answers back,
 * byte for byte but for the transaction id. The query is re-encoded with a fresh random id (so
 * that answers can be matched, and guessed ids from clients cannot poison others); an answer is
 * accepted only from the upstream it was sent to, with an id in flight. Each upstream gets one
 * try of {@code timeout}, in order; after the last, the client gets SERVFAIL.
 *
 * <p>All bookkeeping runs on the forwarding channel's event loop, so it needs no locks.
 * At most {@link #MAX_IN_FLIGHT} queries are in flight; beyond that the answer is SERVFAIL.
 */
final class Forwarder implements AutoCloseable {
    static final int MAX_IN_FLIGHT = 8_192;
    private static final int MAX_DNS_MESSAGE = 65_535;

    /** Where an upstream's answer goes: the client's channel (UDP or TCP). Called on the forwarder's event loop. */
    interface Reply {
        /** The upstream's response with the client's id; the callee owns the buffer. */
        void relay(ByteBuf response);

        /** No upstream answered (or none is configured): answer SERVFAIL. */
        void fail();
    }

    private final List<InetSocketAddress> upstreams;
    private final long timeoutNanos;
    private final Channel channel;
    private final Map<Integer, Pending> inFlight = new HashMap<>();

    private static final class Pending {
        final int id;
        final int clientId;
        final ByteBuf wire;
        final Reply reply;
        int attempt;
        ScheduledFuture<?> timer;

        Pending(int id, int clientId, ByteBuf wire, Reply reply) {
            this.id = id;
            this.clientId = clientId;
            this.wire = wire;
            this.reply = reply;
        }
    }

    Forwarder(EventLoopGroup group, List<InetSocketAddress> upstreams, Duration timeout) throws InterruptedException {
        this.upstreams = List.copyOf(upstreams);
        this.timeoutNanos = timeout.toNanos();
        boolean v6 = upstreams.stream().anyMatch(u -> u.getAddress() instanceof Inet6Address);
        SocketProtocolFamily family = v6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        this.channel = new Bootstrap().group(group)
                .channelFactory(() -> new NioDatagramChannel(family))
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DNS_MESSAGE))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        answered(packet);
                    }
                })
                .bind(new InetSocketAddress(v6 ? "::" : "0.0.0.0", 0)).sync().channel();
    }

    List<InetSocketAddress> upstreams() {
        return upstreams;
    }

    /** Sends {@code query} upstream; exactly one of {@code reply}'s methods is called later. */
    void forward(DnsQuery query, Reply reply) {
        if (upstreams.isEmpty()) {
            reply.fail();
            return;
        }
        ByteBuf wire;
        try {
            wire = encode(query);
        } catch (Exception e) {
            reply.fail();
            return;
        }
        int clientId = query.id();
        channel.eventLoop().execute(() -> start(clientId, wire, reply));
    }

    private void start(int clientId, ByteBuf wire, Reply reply) {
        if (inFlight.size() >= MAX_IN_FLIGHT || !channel.isActive()) {
            wire.release();
            reply.fail();
            return;
        }
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1 << 16);
        } while (inFlight.containsKey(id));
        wire.setShort(0, id);
        Pending p = new Pending(id, clientId, wire, reply);
        inFlight.put(id, p);
        send(p);
    }

    private void send(Pending p) {
        InetSocketAddress upstream = upstreams.get(p.attempt);
        channel.writeAndFlush(new DatagramPacket(p.wire.retainedDuplicate(), upstream));
        p.timer = channel.eventLoop().schedule(() -> timedOut(p), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void timedOut(Pending p) {
        if (inFlight.get(p.id) != p) return;
        p.attempt++;
        if (p.attempt < upstreams.size()) {
            send(p);
            return;
        }
        inFlight.remove(p.id);
        p.wire.release();
        p.reply.fail();
    }

    private void answered(DatagramPacket packet) {
        ByteBuf in = packet.content();
        if (in.readableBytes() < 12) return;
        int start = in.readerIndex();
        int id = in.getUnsignedShort(start);
        boolean isResponse = (in.getUnsignedByte(start + 2) & 0x80) != 0;
        Pending p = inFlight.get(id);
        if (p == null || !isResponse || !packet.sender().equals(upstreams.get(p.attempt))) return;
        inFlight.remove(id);
        p.timer.cancel(false);
        p.wire.release();
        ByteBuf response = in.retainedSlice();
        response.setShort(0, p.clientId);
        p.reply.relay(response);
    }

    /** The query in wire form (id 0 for now): header by hand, question and records by Netty's encoder. */
    private static ByteBuf encode(DnsQuery query) throws Exception {
        ByteBuf out = io.netty.buffer.Unpooled.buffer(512);
        try {
            int flags = (query.opCode().byteValue() & 0xF) << 11;
            if (query.isRecursionDesired()) flags |= 1 << 8;
            flags |= (query.z() & 0x7) << 4;
            int questions = query.count(DnsSection.QUESTION);
            int additionals = query.count(DnsSection.ADDITIONAL);
            out.writeShort(0).writeShort(flags).writeShort(questions).writeShort(0).writeShort(0).writeShort(additionals);
            for (int i = 0; i < questions; i++) {
                DnsRecordEncoder.DEFAULT.encodeQuestion(query.recordAt(DnsSection.QUESTION, i), out);
            }
            for (int i = 0; i < additionals; i++) {
                DnsRecordEncoder.DEFAULT.encodeRecord(query.recordAt(DnsSection.ADDITIONAL, i), out);
            }
            return out;
        } catch (Exception | Error e) {
            out.release();
            throw e;
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        channel.eventLoop().execute(() -> {
            inFlight.values().forEach(p -> {
                p.timer.cancel(false);
                p.wire.release();
            });
            inFlight.clear();
        });
    }
}
