package dev.gantry.scheduler.service;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.security.JoinToken;
import dev.gantry.api.security.Pem;
import dev.gantry.api.security.PeerIdentity;
import dev.gantry.api.v1.ClusterServiceGrpc;
import dev.gantry.api.v1.JoinRequest;
import dev.gantry.api.v1.JoinResponse;
import dev.gantry.api.v1.JoinTokenRecord;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.RemoveNodeRequest;
import dev.gantry.api.v1.RenewCertificateRequest;
import dev.gantry.api.v1.RevokedNode;
import dev.gantry.scheduler.security.Caller;
import dev.gantry.scheduler.security.ClusterPki;
import dev.gantry.scheduler.state.AtomicUpdate;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Joining and node certificates: a node trades a join token and a CSR for a certificate that
 * names it; renews it with the certificate it holds; and is removed (its certificates refused
 * from then on, its session closed, its node marked down so its work is replaced).
 */
public final class ClusterServiceImpl extends ClusterServiceGrpc.ClusterServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(ClusterServiceImpl.class);

    private final ClusterState state;
    private final Store store;
    private final Keys keys;
    private final Clock clock;
    private final ClusterPki pki;
    private final Duration nodeCertLifetime;
    private final Consumer<String> disconnectNode;

    public ClusterServiceImpl(ClusterState state, Store store, Keys keys, Clock clock, ClusterPki pki,
                              Duration nodeCertLifetime, Consumer<String> disconnectNode) {
        this.state = state;
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        this.pki = pki;
        this.nodeCertLifetime = nodeCertLifetime;
        this.disconnectNode = disconnectNode;
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
        Rpc.unary(out, () -> {
            JoinToken token;
            try {
                token = JoinToken.parse(request.getToken());
            } catch (IllegalArgumentException e) {
                throw Status.UNAUTHENTICATED.withDescription("join token refused: " + e.getMessage()).asRuntimeException();
            }
            if (!token.caFingerprint().equalsIgnoreCase(pki.ca().fingerprint())) {
                throw Status.UNAUTHENTICATED.withDescription("join token refused: it is for another cluster's CA").asRuntimeException();
            }
            String id = dev.gantry.scheduler.security.JoinTokens.id(token);
            Optional<KeyValue> kv = store.get(keys.joinToken(id)).get(10, TimeUnit.SECONDS);
            JoinTokenRecord record = kv.isEmpty() ? null : JoinTokenRecord.parseFrom(kv.get().value());
            if (record == null || !token.matchesHash(record.getSecretHash().toByteArray())) {
                throw Status.UNAUTHENTICATED.withDescription("join token refused: unknown or revoked").asRuntimeException();
            }
            if (record.hasExpireTime() && Timestamps.toMillis(record.getExpireTime()) <= clock.millis()) {
                throw Status.UNAUTHENTICATED.withDescription("join token refused: it expired at "
                        + Timestamps.toString(record.getExpireTime())).asRuntimeException();
            }
            if (!"agent".equals(record.getRole())) {
                throw Status.PERMISSION_DENIED.withDescription("join token refused: role " + record.getRole() + " cannot join as an agent")
                        .asRuntimeException();
            }
            String nodeId = request.getNodeId();
            if (!PeerIdentity.isValidNodeId(nodeId)) {
                throw Status.INVALID_ARGUMENT.withDescription("node_id: not a node id (1 to 128 letters, digits, '.', '_' or '-')")
                        .asRuntimeException();
            }
            if (store.get(keys.revokedNode(nodeId)).get(10, TimeUnit.SECONDS).isPresent()) {
                throw Status.PERMISSION_DENIED.withDescription("node " + nodeId + " was removed from the cluster; to join again as a new "
                        + "node, remove the node-id file from the agent's data directory").asRuntimeException();
            }
            if (state.snapshot().nodes().containsKey(nodeId)) {
                throw Status.ALREADY_EXISTS.withDescription("node " + nodeId + " is already a member of the cluster: an agent that "
                        + "lost its certificate must be removed first (gantry node rm " + nodeId + ")").asRuntimeException();
            }
            X509Certificate cert = sign(request.getCsrDer().toByteArray(), nodeId);
            log.info("node {} joined with join token {}", nodeId, id);
            return response(cert);
        });
    }

    @Override
    public void renewCertificate(RenewCertificateRequest request, StreamObserver<JoinResponse> out) {
        Rpc.unary(out, () -> {
            if (!(Caller.current() instanceof Caller.Node node)) {
                throw Status.PERMISSION_DENIED.withDescription("only a node renews its certificate").asRuntimeException();
            }
            X509Certificate cert = sign(request.getCsrDer().toByteArray(), node.id());
            log.info("node {} renewed its certificate (until {})", node.id(), cert.getNotAfter().toInstant());
            return response(cert);
        });
    }

    @Override
    public void removeNode(RemoveNodeRequest request, StreamObserver<RevokedNode> out) {
        Rpc.unary(out, () -> {
            String nodeId = request.getNode();
            if (!PeerIdentity.isValidNodeId(nodeId)) throw Status.INVALID_ARGUMENT.withDescription("node: not a node id").asRuntimeException();
            RevokedNode revoked = RevokedNode.newBuilder().setNodeId(nodeId).setRevokeTime(Timestamps.fromMillis(clock.millis()))
                    .setRevokedBy(Caller.current().describe()).build();
            var r = store.txn(List.of(), List.of(Op.put(keys.revokedNode(nodeId), revoked.toByteArray())), List.of())
                    .get(10, TimeUnit.SECONDS);
            // Down and ineligible: its allocations are replaced elsewhere, as for a lost node.
            AtomicUpdate.apply(store, keys.node(nodeId), Node.parser(), current -> current
                    .filter(n -> n.getStatus() != NodeStatus.NODE_DOWN || n.getEligible())
                    .map(n -> n.toBuilder().setStatus(NodeStatus.NODE_DOWN).setEligible(false).build()));
            disconnectNode.accept(nodeId);
            log.info("node {} removed by {}; its certificates are refused from now on", nodeId, Caller.current().describe());
            state.awaitRevision(r.revision()).get(10, TimeUnit.SECONDS);
            return revoked;
        });
    }

    private X509Certificate sign(byte[] csr, String nodeId) {
        try {
            return pki.ca().signCsr(csr, nodeId, nodeCertLifetime);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription("csr_der: " + e.getMessage()).asRuntimeException();
        }
    }

    private JoinResponse response(X509Certificate cert) {
        return JoinResponse.newBuilder().setCertificatePem(Pem.encodeCertificate(cert))
                .setCaPem(Pem.encodeCertificate(pki.caCertificate())).build();
    }
}
