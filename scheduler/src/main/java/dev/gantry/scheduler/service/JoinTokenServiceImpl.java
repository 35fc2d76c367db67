package dev.gantry.scheduler.service;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.security.JoinToken;
import dev.gantry.api.v1.CreateJoinTokenRequest;
import dev.gantry.api.v1.CreatedJoinToken;
import dev.gantry.api.v1.JoinTokenRecord;
import dev.gantry.api.v1.JoinTokenServiceGrpc;
import dev.gantry.api.v1.ListJoinTokensRequest;
import dev.gantry.api.v1.ListJoinTokensResponse;
import dev.gantry.api.v1.RevokeJoinTokenRequest;
import dev.gantry.scheduler.security.Caller;
import dev.gantry.scheduler.security.ClusterPki;
import dev.gantry.scheduler.security.JoinTokens;
import dev.gantry.scheduler.security.SecurityRecords;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.time.Clock;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Join tokens: created (the secret shown once, only its hash stored), listed, revoked. */
public final class JoinTokenServiceImpl extends JoinTokenServiceGrpc.JoinTokenServiceImplBase {
    static final long MAX_TTL_SECONDS = 366L * 24 * 3600;

    private final Store store;
    private final Keys keys;
    private final Clock clock;
    private final ClusterPki pki;
    private final SecurityRecords records;

    public JoinTokenServiceImpl(Store store, Keys keys, Clock clock, ClusterPki pki, SecurityRecords records) {
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        this.pki = pki;
        this.records = records;
    }

    @Override
    public void create(CreateJoinTokenRequest request, StreamObserver<CreatedJoinToken> out) {
        Rpc.unary(out, () -> {
            String role = request.getRole().isEmpty() ? "agent" : request.getRole();
            if (!role.equals("agent")) {
                throw Status.INVALID_ARGUMENT.withDescription("role: \"" + role.replaceAll("[^ -~]", "?")
                        + "\" is not a join role (agent)").asRuntimeException();
            }
            if (request.getTtlSeconds() < 0 || request.getTtlSeconds() > MAX_TTL_SECONDS) {
                throw Status.INVALID_ARGUMENT.withDescription("ttl: must be between 0 (never expires) and 366 days").asRuntimeException();
            }
            if (request.getDescription().length() > 200) {
                throw Status.INVALID_ARGUMENT.withDescription("description: at most 200 characters").asRuntimeException();
            }
            return JoinTokens.create(store, keys, clock, pki, role, request.getTtlSeconds(), request.getDescription(),
                    Caller.current().describe());
        });
    }

    @Override
    public void list(ListJoinTokensRequest request, StreamObserver<ListJoinTokensResponse> out) {
        Rpc.unary(out, () -> ListJoinTokensResponse.newBuilder().addAllTokens(records.joinTokens().values().stream()
                .map(t -> t.toBuilder().clearSecretHash().build())
                .sorted(Comparator.comparing(t -> Timestamps.toMillis(t.getCreateTime()))).toList()).build());
    }

    @Override
    public void revoke(RevokeJoinTokenRequest request, StreamObserver<JoinTokenRecord> out) {
        Rpc.unary(out, () -> {
            if (!request.getId().matches("[0-9a-f]{16}")) throw Status.INVALID_ARGUMENT.withDescription("id: 16 hex digits").asRuntimeException();
            Optional<KeyValue> kv = store.get(keys.joinToken(request.getId())).get(10, TimeUnit.SECONDS);
            if (kv.isEmpty()) throw Rpc.notFound("no join token " + request.getId());
            store.txn(List.of(), List.of(Op.delete(keys.joinToken(request.getId()))), List.of()).get(10, TimeUnit.SECONDS);
            return JoinTokenRecord.parseFrom(kv.get().value()).toBuilder().clearSecretHash().build();
        });
    }
}
