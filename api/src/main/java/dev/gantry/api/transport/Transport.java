package dev.gantry.api.transport;

import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;

import java.net.InetSocketAddress;

/**
 * Builds every gRPC server and channel of Gantry (scheduler, agent, CLI, benchmarks), so that
 * how connections are secured is decided here and nowhere else. Callers add their own
 * services, keepalives and executors to the builder they get. Immutable and thread-safe.
 *
 * <p>Today there is one kind, {@link #plaintext()}; TLS with client certificates and bearer
 * credentials belong here (issue 14), not in the callers.
 */
public final class Transport {
    private static final Transport PLAINTEXT = new Transport();

    private Transport() {
    }

    /** Unencrypted and unauthenticated: only for networks that no one else can reach. */
    public static Transport plaintext() {
        return PLAINTEXT;
    }

    /** A server listening on {@code bind}. */
    public NettyServerBuilder server(InetSocketAddress bind) {
        return NettyServerBuilder.forAddress(bind);
    }

    /** A channel to {@code target} ({@code host:port}, or any target gRPC's name resolvers take). */
    public NettyChannelBuilder channel(String target) {
        return NettyChannelBuilder.forTarget(target).usePlaintext();
    }

    public NettyChannelBuilder channel(String host, int port) {
        return NettyChannelBuilder.forAddress(host, port).usePlaintext();
    }
}
