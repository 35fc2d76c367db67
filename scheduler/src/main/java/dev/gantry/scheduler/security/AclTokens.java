package dev.gantry.scheduler.security;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.AclToken;
import dev.gantry.api.v1.AclTokenSecret;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;

import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates ACL tokens (the secret returned once, its hash stored) and runs the one-time bootstrap. */
public final class AclTokens {
    private AclTokens() {
    }

    public static AclToken token(Clock clock, String secret, List<String> policies, boolean management, String description,
                                 long ttlSeconds) {
        String hash = AclSecrets.hashHex(secret);
        long now = clock.millis();
        AclToken.Builder b = AclToken.newBuilder().setAccessor(AclSecrets.accessor(hash))
                .setSecretHash(ByteString.copyFrom(HexFormat.of().parseHex(hash)))
                .addAllPolicies(policies).setManagement(management).setDescription(description)
                .setCreateTime(Timestamps.fromMillis(now));
        if (ttlSeconds > 0) b.setExpireTime(Timestamps.fromMillis(now + ttlSeconds * 1000));
        return b.build();
    }

    /** The first management token, once per cluster; empty when ACLs were bootstrapped already. */
    public static Optional<AclTokenSecret> bootstrap(Store store, Keys keys, Clock clock)
            throws InterruptedException, ExecutionException, TimeoutException {
        String secret = AclSecrets.create();
        AclToken token = token(clock, secret, List.of(), true, "bootstrap management token", 0);
        var r = store.txn(List.of(Compare.absent(keys.aclBootstrapped())),
                List.of(Op.put(keys.aclBootstrapped(), new byte[]{1}),
                        Op.put(keys.aclToken(AclSecrets.hashHex(secret)), token.toByteArray())), List.of())
                .get(10, TimeUnit.SECONDS);
        if (!r.succeeded()) return Optional.empty();
        return Optional.of(AclTokenSecret.newBuilder().setSecret(secret).setToken(token.toBuilder().clearSecretHash()).build());
    }
}
