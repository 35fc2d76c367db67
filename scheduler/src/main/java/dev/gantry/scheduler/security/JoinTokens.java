package dev.gantry.scheduler.security;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.security.JoinToken;
import dev.gantry.api.v1.CreatedJoinToken;
import dev.gantry.api.v1.JoinTokenRecord;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;

import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates join tokens: the secret is returned once; the store keeps its hash under a short id. */
public final class JoinTokens {
    private JoinTokens() {
    }

    /** The id a token is stored and listed under: the first 16 hex digits of its secret's hash. */
    public static String id(JoinToken token) {
        return HexFormat.of().formatHex(token.secretHash()).substring(0, 16);
    }

    public static CreatedJoinToken create(Store store, Keys keys, Clock clock, ClusterPki pki, String role, long ttlSeconds,
                                          String description, String createdBy)
            throws InterruptedException, ExecutionException, TimeoutException {
        JoinToken token = JoinToken.create(pki.ca().fingerprint());
        String id = id(token);
        long now = clock.millis();
        JoinTokenRecord.Builder record = JoinTokenRecord.newBuilder().setId(id)
                .setSecretHash(ByteString.copyFrom(token.secretHash())).setRole(role)
                .setCreateTime(Timestamps.fromMillis(now)).setDescription(description).setCreatedBy(createdBy);
        if (ttlSeconds > 0) record.setExpireTime(Timestamps.fromMillis(now + ttlSeconds * 1000));
        store.txn(List.of(Compare.absent(keys.joinToken(id))), List.of(Op.put(keys.joinToken(id), record.build().toByteArray())),
                List.of()).get(10, TimeUnit.SECONDS);
        return CreatedJoinToken.newBuilder().setToken(token.encoded()).setRecord(record.clearSecretHash()).build();
    }
}
