package dev.gantry.agent.security;

import com.google.protobuf.ByteString;
import dev.gantry.api.security.ClusterCa;
import dev.gantry.api.security.Csr;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.JoinToken;
import dev.gantry.api.security.Pem;
import dev.gantry.api.security.PeerIdentity;
import dev.gantry.api.transport.RenewableKeyManager;
import dev.gantry.api.transport.TlsMaterial;
import dev.gantry.api.transport.Transport;
import dev.gantry.api.v1.ClusterServiceGrpc;
import dev.gantry.api.v1.JoinRequest;
import dev.gantry.api.v1.JoinResponse;
import dev.gantry.api.v1.RenewCertificateRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A node's key and certificate, in its data directory ({@code tls/node.key} 0600, {@code
 * tls/node.crt}, {@code tls/ca.crt}): obtained once by joining, then renewed in place at two
 * thirds of their lifetime (handshakes after a renewal use the new certificate; nothing
 * restarts). Thread-safe.
 */
public final class NodeCredentials implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeCredentials.class);

    private final Path dir;
    private final String nodeId;
    private final X509Certificate ca;
    private final RenewableKeyManager keys;
    private final Transport transport;
    private final Clock clock;
    private ScheduledExecutorService renewer;

    private NodeCredentials(Path dir, String nodeId, X509Certificate ca, RenewableKeyManager keys, Clock clock) {
        this.dir = dir;
        this.nodeId = nodeId;
        this.ca = ca;
        this.keys = keys;
        this.clock = clock;
        // Schedulers must present certificates (they call the agent's port); the agent presents its own to them.
        this.transport = Transport.mutualTls(ca, keys, TlsMaterial.ClientAuth.REQUIRE);
    }

    /**
     * The credentials kept in {@code dataDir}, or, when there are none, new ones from joining
     * through {@code schedulers} with {@code joinToken}.
     *
     * @throws IOException when there are none and no token is given, or joining fails (the
     *     message says why: a wrong or expired token, another cluster's CA, no scheduler answers)
     */
    public static NodeCredentials loadOrJoin(Path dataDir, String nodeId, String joinToken, List<String> schedulers, Clock clock)
            throws IOException {
        Path dir = dataDir.resolve("tls");
        if (Files.exists(dir.resolve("node.crt")) && Files.exists(dir.resolve("node.key")) && Files.exists(dir.resolve("ca.crt"))) {
            X509Certificate ca = Pem.readCertificates(dir.resolve("ca.crt")).get(0);
            X509Certificate cert = Pem.readCertificates(dir.resolve("node.crt")).get(0);
            PrivateKey key = Pem.readPrivateKey(dir.resolve("node.key"));
            if (!PeerIdentity.nodeId(cert).map(nodeId::equals).orElse(false)) {
                throw new IOException(dir.resolve("node.crt") + " does not name node " + nodeId + ": remove " + dir + " and join again");
            }
            return new NodeCredentials(dir, nodeId, ca, new RenewableKeyManager(key, List.of(cert, ca)), clock);
        }
        if (joinToken == null || joinToken.isBlank()) {
            throw new IOException("this agent has not joined a cluster yet: give it a join token (--join TOKEN or --join-file FILE; "
                    + "create one with `gantry token create --role agent`)");
        }
        JoinToken token;
        try {
            token = JoinToken.parse(joinToken);
        } catch (IllegalArgumentException e) {
            throw new IOException("--join: " + e.getMessage());
        }
        KeyPair pair = EcKeys.generate();
        byte[] csr = Csr.create(pair, nodeId);
        Transport pinned = Transport.pinnedCa(token.caFingerprint());
        IOException last = null;
        for (String address : schedulers) {
            ManagedChannel ch = pinned.channel(address).build();
            try {
                JoinResponse r = ClusterServiceGrpc.newBlockingStub(ch).withDeadlineAfter(15, TimeUnit.SECONDS)
                        .join(JoinRequest.newBuilder().setToken(token.encoded()).setNodeId(nodeId).setCsrDer(ByteString.copyFrom(csr)).build());
                X509Certificate ca = Pem.decodeCertificate(r.getCaPem());
                if (!ClusterCa.fingerprint(ca).equalsIgnoreCase(token.caFingerprint())) {
                    throw new IOException("the scheduler at " + address + " sent a CA other than the one the join token names");
                }
                X509Certificate cert = Pem.decodeCertificate(r.getCertificatePem());
                Files.createDirectories(dir);
                Pem.writePrivateKey(dir.resolve("node.key"), pair.getPrivate());
                Pem.writeCertificates(dir.resolve("node.crt"), List.of(cert));
                Pem.writeCertificates(dir.resolve("ca.crt"), List.of(ca));
                log.info("joined the cluster as node {} through {}; certificate valid until {}", nodeId, address, cert.getNotAfter().toInstant());
                return new NodeCredentials(dir, nodeId, ca, new RenewableKeyManager(pair.getPrivate(), List.of(cert, ca)), clock);
            } catch (StatusRuntimeException e) {
                String why = e.getStatus().getDescription() == null ? e.getStatus().getCode().name() : e.getStatus().getDescription();
                last = new IOException("cannot join through " + address + ": " + why
                        + (e.getCause() != null && e.getCause().getMessage() != null ? " (" + e.getCause().getMessage() + ")" : ""));
                if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE) throw last;
            } finally {
                ch.shutdownNow();
            }
        }
        throw last != null ? last : new IOException("no scheduler address to join through");
    }

    /** TLS with this node's certificate: to the schedulers, and on the agent's own port (schedulers only). */
    public Transport transport() {
        return transport;
    }

    public X509Certificate certificate() {
        return keys.certificate();
    }

    /** Renews the certificate at two thirds of its lifetime, through {@code schedulers}, for as long as this lives. */
    public NodeCredentials renewAutomatically(List<String> schedulers) {
        renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cert-renewal");
            t.setDaemon(true);
            return t;
        });
        scheduleRenewal(schedulers);
        return this;
    }

    private void scheduleRenewal(List<String> schedulers) {
        long delay = renewalDelay(keys.certificate().getNotAfter().toInstant(), clock.instant()).toMillis();
        renewer.schedule(() -> {
            try {
                renew(schedulers);
                scheduleRenewal(schedulers);
            } catch (IOException | RuntimeException e) {
                log.warn("certificate renewal failed ({}); trying again in 10s", e.getMessage());
                renewer.schedule(() -> scheduleRenewal(schedulers), 10, TimeUnit.SECONDS);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * How long from {@code now} until a certificate valid until {@code notAfter} is renewed: two
     * thirds of what is left of it. Counted from now, not from its notBefore, which the CA backdates
     * by minutes against clock skew: from there a short-lived certificate would be due at once, and
     * every renewal again, without end.
     */
    static Duration renewalDelay(Instant notAfter, Instant now) {
        Duration left = Duration.between(now, notAfter);
        return left.isNegative() ? Duration.ZERO : left.multipliedBy(2).dividedBy(3);
    }

    /** Gets a new certificate for a new key, authenticated by the current one; stores both, uses them from now on. */
    public void renew(List<String> schedulers) throws IOException {
        KeyPair pair = EcKeys.generate();
        byte[] csr = Csr.create(pair, nodeId);
        IOException last = null;
        for (String address : schedulers) {
            ManagedChannel ch = transport.channel(address).build();
            try {
                JoinResponse r = ClusterServiceGrpc.newBlockingStub(ch).withDeadlineAfter(15, TimeUnit.SECONDS)
                        .renewCertificate(RenewCertificateRequest.newBuilder().setCsrDer(ByteString.copyFrom(csr)).build());
                X509Certificate cert = Pem.decodeCertificate(r.getCertificatePem());
                if (!PeerIdentity.nodeId(cert).map(nodeId::equals).orElse(false)) {
                    throw new IOException("the renewed certificate does not name this node");
                }
                Pem.writePrivateKey(dir.resolve("node.key"), pair.getPrivate());
                Pem.writeCertificates(dir.resolve("node.crt"), List.of(cert));
                keys.update(pair.getPrivate(), List.of(cert, ca));
                log.info("renewed node certificate; valid until {}", cert.getNotAfter().toInstant());
                return;
            } catch (StatusRuntimeException e) {
                last = new IOException("renewal through " + address + " failed: " + e.getStatus());
            } finally {
                ch.shutdownNow();
            }
        }
        throw last != null ? last : new IOException("no scheduler address");
    }

    @Override
    public void close() {
        if (renewer != null) renewer.shutdownNow();
    }
}
