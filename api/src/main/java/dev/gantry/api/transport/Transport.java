package dev.gantry.api.transport;

import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

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
    /** The metadata key that carries ACL tokens: {@code authorization: Bearer <secret>}. */
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    public static final String BEARER = "Bearer ";
    private static final Transport PLAINTEXT = new Transport(null, null, null);

    /** Null for plaintext; otherwise the context that channels use. */
    private final SslContext clientContext;
    /** Null for plaintext, or when the material has no key (then {@link #server} refuses). */
    private final SslContext serverContext;
    /** Null, or the ACL token every call of this transport's channels carries. */
    private final String bearerToken;

    private Transport(SslContext clientContext, SslContext serverContext, String bearerToken) {
        this.clientContext = clientContext;
        this.serverContext = serverContext;
        this.bearerToken = bearerToken;
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
        RenewableKeyManager keys = material.hasKey() ? new RenewableKeyManager(material.key(), material.chain()) : null;
        return mutualTls(material.ca(), keys, material.clientAuth());
    }

    /**
     * As {@link #mutualTls(TlsMaterial)}, with a key and certificate that can be renewed in place:
     * handshakes after {@link RenewableKeyManager#update} present the new certificate, so a node
     * renews without a restart. {@code keys} null: a client that presents no certificate.
     */
    public static Transport mutualTls(X509Certificate ca, RenewableKeyManager keys, TlsMaterial.ClientAuth clientAuth) {
        try {
            SslContextBuilder client = GrpcSslContexts.forClient()
                .trustManager(ca)
                .protocols(TLS_1_3)
                .endpointIdentificationAlgorithm("HTTPS");
            if (keys != null) {
                client.keyManager(keys);
            }
            SslContext server = null;
            if (keys != null) {
                server = GrpcSslContexts.configure(SslContextBuilder.forServer(keys))
                    .trustManager(ca)
                    .protocols(TLS_1_3)
                    .clientAuth(switch (clientAuth) {
                        case NONE -> ClientAuth.NONE;
                        case OPTIONAL -> ClientAuth.OPTIONAL;
                        case REQUIRE -> ClientAuth.REQUIRE;
                    })
                    .sessionTimeout(SESSION_TIMEOUT_SECONDS)
                    .build();
            }
            SslContext clientContext = client.sessionTimeout(SESSION_TIMEOUT_SECONDS).build();
            if (keys != null) {
                // A resumed session would present the certificate it was made with: after a renewal, handshake afresh.
                SslContext serverContext = server;
                keys.onUpdate(() -> {
                    invalidateSessions(clientContext);
                    if (serverContext != null) invalidateSessions(serverContext);
                });
            }
            return new Transport(clientContext, server, null);
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("cannot set up TLS with this key and certificates: " + e.getMessage(), e);
        }
    }

    /** TLS sessions are resumed for at most this long, so a revoked or expired identity is not carried on by resumption. */
    static final long SESSION_TIMEOUT_SECONDS = 300;

    private static void invalidateSessions(SslContext context) {
        javax.net.ssl.SSLSessionContext sessions = context.sessionContext();
        if (sessions == null) return;
        for (var ids = sessions.getIds(); ids.hasMoreElements(); ) {
            javax.net.ssl.SSLSession s = sessions.getSession(ids.nextElement());
            if (s != null) s.invalidate();
        }
    }

    /**
     * A client that trusts only servers whose chain holds the CA with SHA-256 {@code caFingerprint}
     * (hex), as a join token names it, and that presents no certificate: for a node's first call,
     * before it has a certificate or the CA itself.
     */
    public static Transport pinnedCa(String caFingerprint) {
        try {
            TrustManager trust = new PinnedCaTrust(caFingerprint);
            SslContext client = GrpcSslContexts.forClient().trustManager(trust).protocols(TLS_1_3).build();
            return new Transport(client, null, null);
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("cannot set up TLS pinned to a CA fingerprint: " + e.getMessage(), e);
        }
    }

    /**
     * This transport whose channels send {@code token} as {@code authorization: Bearer} on every
     * call. Tokens travel over TLS only.
     *
     * @throws IllegalStateException on a plaintext transport
     */
    public Transport withBearerToken(String token) {
        if (clientContext == null) throw new IllegalStateException("ACL tokens are sent over TLS only");
        return new Transport(clientContext, serverContext, token);
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
        builder.sslContext(clientContext).useTransportSecurity();
        if (bearerToken != null) builder.intercept(new BearerToken(bearerToken));
        return builder;
    }

    /** Adds the ACL token to every call's headers. */
    private static final class BearerToken implements ClientInterceptor {
        private final String header;

        BearerToken(String token) {
            this.header = BEARER + token;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    headers.put(AUTHORIZATION, header);
                    super.start(listener, headers);
                }
            };
        }
    }
}
