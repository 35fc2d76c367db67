package dev.gantry.api.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.api.security.ClusterCa;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.PeerIdentity;
import dev.gantry.api.transport.TlsMaterial.ClientAuth;
import dev.gantry.api.v1.ListNodesRequest;
import dev.gantry.api.v1.ListNodesResponse;
import dev.gantry.api.v1.NodeServiceGrpc;
import dev.gantry.api.v1.NodeView;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real TLS over loopback sockets: a NodeService that answers List with one node of 7 allocations. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportTlsTest {
  private static final ClusterCa CA = ClusterCa.create(Clock.systemUTC());
  private static final ClusterCa OTHER_CA = ClusterCa.create(Clock.systemUTC());
  private static final InetAddress LOOPBACK = loopback();

  /** What the server saw of each call that reached it. */
  record Seen(String protocol, boolean peerCertificate, Optional<String> nodeId) {
  }

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger answered = new AtomicInteger();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void close() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
    for (Server server : servers) {
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNodeWithItsCertificateIsAnsweredOverTls13AndKnownByItsNodeId() throws Exception {
    int port = start(serverTransport(CA, ClientAuth.REQUIRE));

    ListNodesResponse response = call(nodeTransport(CA, CA, "node-1"), "localhost", port);

    assertThat(response.getNodes(0).getAllocations()).isEqualTo(7);
    assertThat(seen).containsExactly(new Seen("TLSv1.3", true, Optional.of("node-1")));
    assertThat(Transport.mutualTls(TlsMaterial.trustOnly(CA.certificate())).isTls()).isTrue();
    assertThat(Transport.plaintext().isTls()).isFalse();
  }

  @Test
  void aPlaintextClientIsRefused() throws Exception {
    int port = start(serverTransport(CA, ClientAuth.OPTIONAL));
    assertUnavailable(() -> call(Transport.plaintext(), "localhost", port));
    assertThat(answered).hasValue(0);
  }

  @Test
  void aTlsClientIsRefusedByAPlaintextServer() throws Exception {
    int port = start(Transport.plaintext());
    assertUnavailable(() -> call(nodeTransport(CA, CA, "node-1"), "localhost", port));
    assertThat(answered).hasValue(0);
  }

  @Test
  void aClientWithoutCertificateIsRefusedWhenOneIsRequired() throws Exception {
    int port = start(serverTransport(CA, ClientAuth.REQUIRE));
    assertUnavailable(() -> call(Transport.mutualTls(TlsMaterial.trustOnly(CA.certificate())), "localhost", port));
    assertThat(answered).hasValue(0);
  }

  @Test
  void aClientThatPresentsACertificateFromAnotherCaIsRefusedRequiredOrOptional() throws Exception {
    int required = start(serverTransport(CA, ClientAuth.REQUIRE));
    int optional = start(serverTransport(CA, ClientAuth.OPTIONAL));
    KeyPair key = EcKeys.generate();
    X509Certificate foreign = OTHER_CA.issueNode(key.getPublic(), "node-1", Duration.ofHours(1));
    assertUnavailable(() -> callPresenting(key, foreign, required));
    assertUnavailable(() -> callPresenting(key, foreign, optional));
    assertThat(answered).hasValue(0);

    // The same client with a certificate the cluster CA issued gets in: it was the certificate.
    X509Certificate own = CA.issueNode(key.getPublic(), "node-1", Duration.ofHours(1));
    assertThat(callPresenting(key, own, optional).getNodesCount()).isEqualTo(1);
    assertThat(seen).containsExactly(new Seen("TLSv1.3", true, Optional.of("node-1")));
  }

  @Test
  void aTransportWithAnotherCasCertificateSendsNoneAndIsAnonymousAtBest() throws Exception {
    // The server names the CAs it accepts; a Transport with another CA's certificate then sends none.
    Transport impostor = nodeTransport(CA, OTHER_CA, "node-1");
    int required = start(serverTransport(CA, ClientAuth.REQUIRE));
    assertUnavailable(() -> call(impostor, "localhost", required));
    assertThat(answered).hasValue(0);
    int optional = start(serverTransport(CA, ClientAuth.OPTIONAL));
    call(impostor, "localhost", optional);
    assertThat(seen).containsExactly(new Seen("TLSv1.3", false, Optional.empty()));
  }

  @Test
  void aServerCertificateIsNotAClientCertificate() throws Exception {
    int port = start(serverTransport(CA, ClientAuth.REQUIRE));
    KeyPair key = EcKeys.generate();
    X509Certificate serverOnly = CA.issueServer(key.getPublic(), List.of("localhost"), List.of(), Duration.ofHours(1));
    assertUnavailable(() -> callPresenting(key, serverOnly, port));
    assertThat(answered).hasValue(0);
  }

  @Test
  void aClientThatTrustsAnotherCaRefusesTheServer() throws Exception {
    int port = start(serverTransport(CA, ClientAuth.REQUIRE));
    assertUnavailable(() -> call(nodeTransport(OTHER_CA, CA, "node-1"), "localhost", port));
    assertThat(answered).hasValue(0);
  }

  @Test
  void anExpiredClientCertificateIsRefused() throws Exception {
    int port = start(serverTransport(CA, ClientAuth.REQUIRE));
    // The same CA, as it was two days ago: its one-hour certificate expired the day before yesterday.
    ClusterCa twoDaysAgo = ClusterCa.of(CA.certificate(), CA.privateKey(),
        Clock.fixed(Instant.now().minus(Duration.ofDays(2)), ZoneOffset.UTC));
    KeyPair key = EcKeys.generate();
    X509Certificate expired = twoDaysAgo.issueNode(key.getPublic(), "node-1", Duration.ofHours(1));
    assertUnavailable(() -> callPresenting(key, expired, port));
    Transport client = Transport.mutualTls(TlsMaterial.of(CA.certificate(), key.getPrivate(), List.of(expired),
        ClientAuth.NONE));
    assertUnavailable(() -> call(client, "localhost", port));
    assertThat(answered).hasValue(0);
  }

  @Test
  void anExpiredServerCertificateIsRefused() throws Exception {
    ClusterCa twoDaysAgo = ClusterCa.of(CA.certificate(), CA.privateKey(),
        Clock.fixed(Instant.now().minus(Duration.ofDays(2)), ZoneOffset.UTC));
    KeyPair key = EcKeys.generate();
    X509Certificate expired = twoDaysAgo.issueServer(key.getPublic(), List.of("localhost"), List.of(), Duration.ofHours(1));
    int port = start(Transport.mutualTls(TlsMaterial.of(CA.certificate(), key.getPrivate(), List.of(expired),
        ClientAuth.OPTIONAL)));
    assertUnavailable(() -> call(nodeTransport(CA, CA, "node-1"), "localhost", port));
    assertThat(answered).hasValue(0);
  }

  @Test
  void withOptionalClientAuthAClientWithoutCertificateIsLetInAndSeenAsNoNode() throws Exception {
    int port = start(serverTransport(CA, ClientAuth.OPTIONAL));

    call(Transport.mutualTls(TlsMaterial.trustOnly(CA.certificate())), "localhost", port);
    call(nodeTransport(CA, CA, "node-2"), "localhost", port);

    assertThat(seen).containsExactly(
        new Seen("TLSv1.3", false, Optional.empty()),
        new Seen("TLSv1.3", true, Optional.of("node-2")));
  }

  @Test
  void theServerMustBeNamedInItsCertificate() throws Exception {
    // Named "localhost" only: connecting to 127.0.0.1 is refused, unless "localhost" is the authority.
    int localhostOnly = start(serverTransport(CA, List.of("localhost"), List.of(), ClientAuth.OPTIONAL));
    Transport client = nodeTransport(CA, CA, "node-1");
    assertUnavailable(() -> call(client, "127.0.0.1", localhostOnly));
    assertThat(call(client, "127.0.0.1", localhostOnly, "localhost").getNodesCount()).isEqualTo(1);

    // Named elsewhere.
    int elsewhere = start(serverTransport(CA, List.of("scheduler.example"), List.of(), ClientAuth.OPTIONAL));
    assertUnavailable(() -> call(client, "127.0.0.1", elsewhere, "localhost"));
    assertUnavailable(() -> call(client, "localhost", elsewhere));

    // Named by its address only.
    int byAddress = start(serverTransport(CA, List.of(), List.of(LOOPBACK), ClientAuth.OPTIONAL));
    assertThat(call(client, "127.0.0.1", byAddress).getNodesCount()).isEqualTo(1);
    assertUnavailable(() -> call(client, "127.0.0.1", byAddress, "localhost"));
    assertThat(answered).hasValue(2);
  }

  @Test
  void aTransportWithoutKeyServesNothingAndMaterialIsCheckedWhole() {
    Transport trustOnly = Transport.mutualTls(TlsMaterial.trustOnly(CA.certificate()));
    assertThatThrownBy(() -> trustOnly.server(new InetSocketAddress(LOOPBACK, 0)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a key and certificate");
    assertThatThrownBy(() -> TlsMaterial.of(CA.certificate(), EcKeys.generate().getPrivate(), List.of(),
        ClientAuth.REQUIRE)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TlsMaterial.of(CA.certificate(), null, List.of(CA.certificate()), ClientAuth.REQUIRE))
        .isInstanceOf(IllegalArgumentException.class);
    TlsMaterial material = TlsMaterial.of(CA.certificate(), CA.privateKey(), List.of(CA.certificate()), ClientAuth.NONE);
    assertThat(material.toString()).doesNotContain(CA.privateKey().toString()).contains("Gantry cluster CA");
  }

  @Test
  void aSessionWithoutPeerCertificateNamesNoNode() {
    SSLSession anonymous = (SSLSession) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {SSLSession.class}, (proxy, method, args) -> {
          if (method.getName().equals("getPeerCertificates")) {
            throw new SSLPeerUnverifiedException("peer not authenticated");
          }
          throw new UnsupportedOperationException(method.getName());
        });
    assertThat(PeerIdentity.nodeId(anonymous)).isEmpty();
  }

  @Test
  void aRenewedCertificateIsPresentedFromTheNextHandshakeWithoutANewTransport() throws Exception {
    int port = start(serverTransport(CA, ClientAuth.REQUIRE));
    KeyPair first = EcKeys.generate();
    RenewableKeyManager keys = new RenewableKeyManager(first.getPrivate(),
        List.of(CA.issueNode(first.getPublic(), "node-1", Duration.ofHours(1)), CA.certificate()));
    Transport node = Transport.mutualTls(CA.certificate(), keys, ClientAuth.NONE);
    call(node, "localhost", port);
    KeyPair second = EcKeys.generate();
    keys.update(second.getPrivate(), List.of(CA.issueNode(second.getPublic(), "node-1b", Duration.ofHours(1)), CA.certificate()));
    call(node, "localhost", port);   // a new channel: a new handshake
    assertThat(seen).extracting(Seen::nodeId).containsExactly(Optional.of("node-1"), Optional.of("node-1b"));
  }

  @Test
  void aJoiningClientTrustsOnlyTheCaWhoseFingerprintItPinsAndSendsNoCertificate() throws Exception {
    // The pinned CA must come in the server's chain: the joining client has nothing else to check against.
    KeyPair key = EcKeys.generate();
    X509Certificate cert = CA.issueServer(key.getPublic(), List.of("localhost"), List.of(LOOPBACK), Duration.ofHours(1));
    int port = start(Transport.mutualTls(TlsMaterial.of(CA.certificate(), key.getPrivate(), List.of(cert, CA.certificate()),
        ClientAuth.OPTIONAL)));
    assertThat(call(Transport.pinnedCa(CA.fingerprint()), "localhost", port).getNodes(0).getAllocations()).isEqualTo(7);
    assertThat(seen).containsExactly(new Seen("TLSv1.3", false, Optional.empty()));
    assertUnavailable(() -> call(Transport.pinnedCa(OTHER_CA.fingerprint()), "localhost", port));
  }

  @Test
  void bearerTokensTravelOverTlsOnly() {
    assertThatThrownBy(() -> Transport.plaintext().withBearerToken("t")).isInstanceOf(IllegalStateException.class);
  }

  private static Transport serverTransport(ClusterCa ca, ClientAuth clientAuth) {
    return serverTransport(ca, List.of("localhost"), List.of(LOOPBACK), clientAuth);
  }

  private static Transport serverTransport(ClusterCa ca, List<String> dns, List<InetAddress> ips, ClientAuth clientAuth) {
    KeyPair key = EcKeys.generate();
    X509Certificate cert = ca.issueServer(key.getPublic(), dns, ips, Duration.ofHours(1));
    return Transport.mutualTls(TlsMaterial.of(CA.certificate(), key.getPrivate(), List.of(cert), clientAuth));
  }

  /** A node's transport: trusting {@code trusted}, with a node certificate that {@code issuer} issued. */
  private static Transport nodeTransport(ClusterCa trusted, ClusterCa issuer, String nodeId) {
    KeyPair key = EcKeys.generate();
    X509Certificate cert = issuer.issueNode(key.getPublic(), nodeId, Duration.ofHours(1));
    return Transport.mutualTls(TlsMaterial.of(trusted.certificate(), key.getPrivate(), List.of(cert), ClientAuth.NONE));
  }

  private int start(Transport transport) throws IOException {
    ServerInterceptor recorder = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                         ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session != null) {
          boolean peerCertificate;
          try {
            peerCertificate = session.getPeerCertificates().length > 0;
          } catch (SSLPeerUnverifiedException e) {
            peerCertificate = false;
          }
          seen.add(new Seen(session.getProtocol(), peerCertificate, PeerIdentity.nodeId(session)));
        }
        return next.startCall(call, headers);
      }
    };
    NodeServiceGrpc.NodeServiceImplBase nodes = new NodeServiceGrpc.NodeServiceImplBase() {
      @Override
      public void list(ListNodesRequest request, StreamObserver<ListNodesResponse> responses) {
        answered.incrementAndGet();
        responses.onNext(ListNodesResponse.newBuilder().addNodes(NodeView.newBuilder().setAllocations(7)).build());
        responses.onCompleted();
      }
    };
    Server server = transport.server(new InetSocketAddress(LOOPBACK, 0))
        .addService(ServerInterceptors.intercept(nodes, recorder))
        .build()
        .start();
    servers.add(server);
    return server.getPort();
  }

  private ListNodesResponse call(Transport transport, String host, int port) {
    return call(transport, host, port, null);
  }

  private ListNodesResponse call(Transport transport, String host, int port, String authority) {
    NettyChannelBuilder builder = transport.channel(host, port);
    if (authority != null) {
      builder.overrideAuthority(authority);
    }
    ManagedChannel channel = builder.build();
    channels.add(channel);
    return NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .list(ListNodesRequest.getDefaultInstance());
  }

  /**
   * A call from a client that trusts the cluster CA and presents {@code certificate} whatever the
   * server asks for, as an attacker's client would (a Transport's key manager sends only a
   * certificate from a CA the server names).
   */
  private ListNodesResponse callPresenting(KeyPair key, X509Certificate certificate, int port) throws SSLException {
    X509ExtendedKeyManager always = new X509ExtendedKeyManager() {
      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {"me"};
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return "me";
      }

      @Override
      public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return "me";
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return new X509Certificate[] {certificate};
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return key.getPrivate();
      }
    };
    SslContext context = GrpcSslContexts.forClient().trustManager(CA.certificate()).keyManager(always)
        .protocols("TLSv1.3").build();
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", port).sslContext(context).build();
    channels.add(channel);
    return NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .list(ListNodesRequest.getDefaultInstance());
  }

  private static void assertUnavailable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByName("127.0.0.1");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
