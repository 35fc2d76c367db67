package dev.gantry.agent.network.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers decoded queries, UDP and TCP alike: our zone from the catalog, the rest through the
 * {@link Forwarder}. Stateless but for the rotation counter, so one instance serves every
 * channel. Undecodable input never gets this far: the decoders throw, {@link #exceptionCaught}
 * drops the datagram (or closes the TCP connection) and the server goes on.
 */
@ChannelHandler.Sharable
final class QueryHandler extends SimpleChannelInboundHandler<DnsQuery> {
    private static final Logger log = LoggerFactory.getLogger(QueryHandler.class);

    private final ServiceCatalog catalog;
    private final Forwarder forwarder;
    private final AtomicInteger rotation = new AtomicInteger();

    QueryHandler(ServiceCatalog catalog, Forwarder forwarder) {
        this.catalog = catalog;
        this.forwarder = forwarder;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DnsQuery query) {
        if (query.opCode() != DnsOpCode.QUERY) {
            fail(ctx, query, DnsResponseCode.NOTIMP);
            return;
        }
        if (query.count(DnsSection.QUESTION) != 1) {
            fail(ctx, query, DnsResponseCode.FORMERR);
            return;
        }
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        Answer answer = Lookup.answer(catalog.snapshot(), question.name(), question.type(), rotation.getAndIncrement());
        if (answer.kind() == Answer.Kind.FORWARD) {
            forwarder.forward(query, new Forwarder.Reply() {
                @Override
                public void relay(ByteBuf response) {
                    if (query instanceof DatagramDnsQuery udp) {
                        ctx.writeAndFlush(new DatagramPacket(response, udp.sender()));
                    } else {
                        ByteBuf length = Unpooled.buffer(2).writeShort(response.readableBytes());
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(length, response));
                    }
                }

                @Override
                public void fail() {
                    QueryHandler.fail(ctx, query, DnsResponseCode.SERVFAIL);
                }
            });
            return;
        }
        DnsResponse response = responseTo(query);
        int limit = query instanceof DatagramDnsQuery ? Responses.udpLimit(query) : Responses.TCP_MAX;
        Responses.fill(response, query, question, answer, limit);
        ctx.writeAndFlush(response);
    }

    private static void fail(ChannelHandlerContext ctx, DnsQuery query, DnsResponseCode code) {
        DnsResponse response = responseTo(query);
        Responses.failure(response, query, code);
        ctx.writeAndFlush(response);
    }

    private static DnsResponse responseTo(DnsQuery query) {
        if (query instanceof DatagramDnsQuery udp) return new DatagramDnsResponse(udp.recipient(), udp.sender(), query.id());
        return new DefaultDnsResponse(query.id());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("dropped a DNS message from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        if (!(ctx.channel() instanceof io.netty.channel.socket.DatagramChannel)) ctx.close();
    }
}
