package dev.gantry.bench;

import com.google.protobuf.ByteString;
import dev.gantry.api.security.Csr;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.JoinToken;
import dev.gantry.api.security.Pem;
import dev.gantry.api.transport.TlsMaterial;
import dev.gantry.api.transport.Transport;
import dev.gantry.api.v1.ClusterServiceGrpc;
import dev.gantry.api.v1.JoinRequest;
import dev.gantry.api.v1.JoinResponse;
import io.grpc.ManagedChannel;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Simulated agents join as real ones do (the real ClusterService.Join: a key made here, a CSR,
 * the scheduler's CA checked against the token's fingerprint), each getting the transport that
 * presents its node certificate. Joins run {@code parallel} at a time over one pinned channel.
 */
final class NodeIdentities {
    private NodeIdentities() {
    }

    static Map<String, Transport> join(String host, int port, String joinToken, List<String> nodeIds, int parallel) throws Exception {
        JoinToken token = JoinToken.parse(joinToken);
        Map<String, Transport> out = new ConcurrentHashMap<>();
        ManagedChannel pinned = Transport.pinnedCa(token.caFingerprint()).channel(host, port).build();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            var stub = ClusterServiceGrpc.newBlockingStub(pinned);
            List<Future<?>> joins = new java.util.ArrayList<>();
            for (String id : nodeIds) {
                joins.add(pool.submit(() -> {
                    KeyPair pair = EcKeys.generate();
                    JoinResponse r = stub.withDeadlineAfter(60, TimeUnit.SECONDS).join(JoinRequest.newBuilder().setToken(joinToken)
                            .setNodeId(id).setCsrDer(ByteString.copyFrom(Csr.create(pair, id))).build());
                    X509Certificate ca = Pem.decodeCertificate(r.getCaPem());
                    out.put(id, Transport.mutualTls(TlsMaterial.of(ca, pair.getPrivate(),
                            List.of(Pem.decodeCertificate(r.getCertificatePem()), ca), TlsMaterial.ClientAuth.NONE)));
                    return null;
                }));
            }
            for (Future<?> f : joins) f.get();
            return out;
        } finally {
            pool.shutdownNow();
            pinned.shutdownNow();
        }
    }
}
