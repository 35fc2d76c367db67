package dev.gantry.agent.network.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's DNS server: UDP and TCP on one address and port (production: the bridge gateway,
 * port 53), answering from a {@link ServiceCatalog} and forwarding the rest upstream. One event
 * loop thread serves both; nothing on the query path blocks. Not started by the agent by itself:
 * the bridge networking starts it on the gateway once the bridge exists.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    /** A TCP client that stays silent this long is dropped (RFC 7766 suggests seconds). */
    private static final int TCP_IDLE_SECONDS = 10;
    private static final int UDP_RECEIVE_BUFFER = 1 << 20;

    /**
     * @param bind            where to listen (port 0: any free port, the same for UDP and TCP)
     * @param upstreams       forwarding targets, in order (see {@link Upstreams}); those that would loop are dropped
     * @param upstreamTimeout how long each upstream gets before the next one (or SERVFAIL)
     */
    public record Settings(InetSocketAddress bind, List<InetSocketAddress> upstreams, Duration upstreamTimeout) {
        public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofMillis(1_500);

        public Settings {
            Objects.requireNonNull(bind, "bind");
            upstreams = List.copyOf(upstreams);
            if (upstreamTimeout.isNegative() || upstreamTimeout.isZero()) throw new IllegalArgumentException("upstream timeout must be positive");
        }

        /** Listens on {@code bind} and forwards to the host's resolvers ({@link Upstreams#hostResolvConf()}). */
        public static Settings forHost(InetSocketAddress bind) throws IOException {
            return new Settings(bind, Upstreams.fromResolvConf(Upstreams.hostResolvConf(), bind), DEFAULT_UPSTREAM_TIMEOUT);
        }
    }

    private final EventLoopGroup group;
    private final Forwarder forwarder;
    private final Channel udp;
    private final Channel tcp;

    private DnsServer(EventLoopGroup group, Forwarder forwarder, Channel udp, Channel tcp) {
        this.group = group;
        this.forwarder = forwarder;
        this.udp = udp;
        this.tcp = tcp;
    }

    /**
     * Binds UDP and TCP and starts answering; throws if either cannot bind (then nothing is left
     * open). With port 0 the UDP port is chosen first and TCP takes the same number; should that
     * be taken for TCP, it tries another few ports.
     */
    public static DnsServer start(ServiceCatalog catalog, Settings settings) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(catalog, settings);
            } catch (IOException e) {
                if (settings.bind().getPort() != 0 || attempt == 5) throw e;
                log.debug("DNS: the port was taken for TCP, trying another: {}", e.toString());
            }
        }
    }

    private static DnsServer startOnce(ServiceCatalog catalog, Settings settings) throws IOException {
        AtomicInteger threads = new AtomicInteger();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "dns-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        Forwarder forwarder = null;
        Channel udp = null;
        try {
            udp = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                    // Bursts (every container resolving at once) queue here rather than drop; the kernel caps it at rmem_max.
                    .option(ChannelOption.SO_RCVBUF, UDP_RECEIVE_BUFFER)
                    .handler(new ChannelInitializer<NioDatagramChannel>() {
                        @Override
                        protected void initChannel(NioDatagramChannel ch) {
                            // The handler needs the forwarder, made once the bound port is known: added below.
                            ch.pipeline().addLast(new DatagramDnsQueryDecoder(QuestionDecoder.INSTANCE), new ResponseEncoder());
                        }
                    })
                    .bind(settings.bind()).sync().channel();
            InetSocketAddress bound = (InetSocketAddress) udp.localAddress();
            List<InetSocketAddress> upstreams = Upstreams.usable(settings.upstreams(), bound);
            if (upstreams.isEmpty()) log.warn("DNS on {}: no upstream resolver left; names outside gantry. get SERVFAIL", bound);
            forwarder = new Forwarder(group, upstreams, settings.upstreamTimeout());
            QueryHandler handler = new QueryHandler(catalog, forwarder);
            udp.pipeline().addLast(handler);
            Channel tcp = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ReadTimeoutHandler(TCP_IDLE_SECONDS, TimeUnit.SECONDS),
                                    new TcpDnsQueryDecoder(QuestionDecoder.INSTANCE, Responses.TCP_MAX), new TcpDnsResponseEncoder(), handler);
                        }
                    })
                    .bind(bound).sync().channel();
            log.info("DNS serving gantry. on {} (UDP, TCP), forwarding to {}", bound, upstreams);
            return new DnsServer(group, forwarder, udp, tcp);
        } catch (Exception e) {
            if (udp != null) udp.close().awaitUninterruptibly();
            if (forwarder != null) forwarder.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IOException("DNS server cannot listen on " + settings.bind() + ": " + e, e);
        }
    }

    /** The bound address (UDP and TCP share it). */
    public InetSocketAddress address() {
        return (InetSocketAddress) udp.localAddress();
    }

    /** The upstreams actually used, after dropping those that would loop. */
    public List<InetSocketAddress> upstreams() {
        return forwarder.upstreams();
    }

    /**
     * Netty's encoder claims every addressed envelope (its type check stops at the erased
     * generic), so relayed upstream answers, already bytes in a {@link DatagramPacket}, would be
     * cast to a response and fail. This one encodes only responses and lets packets pass.
     */
    private static final class ResponseEncoder extends DatagramDnsResponseEncoder {
        @Override
        public boolean acceptOutboundMessage(Object msg) throws Exception {
            return super.acceptOutboundMessage(msg) && !(msg instanceof DatagramPacket);
        }
    }

    @Override
    public void close() {
        udp.close().awaitUninterruptibly();
        tcp.close().awaitUninterruptibly();
        forwarder.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
