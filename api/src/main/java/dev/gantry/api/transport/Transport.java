package dev.gantry.api.transport;

import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * Builds every gRPC server and channel of Gantry (scheduler, agent, CLI, benchmarks), so that
 * how connections are secured is decided here and nowhere else. Callers add their own
 * services, keepalives and executors to the builder they get. Immutable and thread-safe.
 *
 * <p>Two kinds: {@link #plaintext()}, and {@link #mutualTls} (TLS 1.3 only, trusting only the
 * cluster CA, with client certificates as the material says). Bearer credentials (issue 14)
 * belong here too, not in the callers.
 */
public final class Transport {
    static final String TLS_1_3 = "TLSv1.3";
    private static final Transport PLAINTEXT = new Transport(null, null);

    /** Null for plaintext; otherwise the context that channels use. */
    private final SslContext clientContext;
    /** Null for plaintext, or when the material has no key (then {@link #server} refuses). */
    private final SslContext serverContext;

    private Transport(SslContext clientContext, SslContext serverContext) {
        this.clientContext = clientContext;
        this.serverContext = serverContext;
    }

    /** Unencrypted and unauthenticated: only for networks that no one else can reach. */
    public static Transport plaintext() {
        return PLAINTEXT;
    }

    /**
     * TLS 1.3 that trusts only {@code material}'s CA, on both sides. Servers present the
     * material's key and chain and ask for client certificates as its {@link TlsMaterial#clientAuth()}
     * says; channels present the key and chain when there is one, and check that the server's
     * certificate names the host (or IP address) they connect to, or the authority they were
     * told to use.
     *
     * @throws IllegalArgumentException when the key and chain cannot be used for TLS
     */
    public static Transport mutualTls(TlsMaterial material) {
        X509Certificate[] chain = material.chain().toArray(new X509Certificate[0]);
        try {
            SslContextBuilder client = GrpcSslContexts.forClient()
                .trustManager(material.ca())
                .protocols(TLS_1_3)
                .endpointIdentificationAlgorithm("HTTPS");
            if (material.hasKey()) {
                client.keyManager(material.key(), chain);
            }
            SslContext server = null;
            if (material.hasKey()) {
                server = GrpcSslContexts.configure(SslContextBuilder.forServer(material.key(), chain))
                    .trustManager(material.ca())
                    .protocols(TLS_1_3)
                    .clientAuth(switch (material.clientAuth()) {
                        case NONE -> ClientAuth.NONE;
                        case OPTIONAL -> ClientAuth.OPTIONAL;
                        case REQUIRE -> ClientAuth.REQUIRE;
                    })
                    .build();
            }
            return new Transport(client.build(), server);
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("cannot set up TLS with this key and certificates: " + e.getMessage(), e);
        }
    }

    /** Whether connections are encrypted. */
    public boolean isTls() {
        return clientContext != null;
    }

    /**
     * A server listening on {@code bind}.
     *
     * @throws IllegalStateException for TLS material without a key and certificate
     */
    public NettyServerBuilder server(InetSocketAddress bind) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(bind);
        if (clientContext == null) {
            return builder;
        }
        if (serverContext == null) {
            throw new IllegalStateException("a TLS server needs a key and certificate of its own; this transport has none");
        }
        return builder.sslContext(serverContext);
    }

    /** A channel to {@code target} ({@code host:port}, or any target gRPC's name resolvers take). */
    public NettyChannelBuilder channel(String target) {
        return secure(NettyChannelBuilder.forTarget(target));
    }

    public NettyChannelBuilder channel(String host, int port) {
        return secure(NettyChannelBuilder.forAddress(host, port));
    }

    private NettyChannelBuilder secure(NettyChannelBuilder builder) {
        if (clientContext == null) {
            return builder.usePlaintext();
        }
        return builder.sslContext(clientContext).useTransportSecurity();
    }
}
