package dev.gantry.scheduler.security;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gantry.api.v1.AclPolicy;
import dev.gantry.api.v1.AclToken;
import dev.gantry.api.v1.JoinTokenRecord;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.RangeResult;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.WatchEvent;
import dev.gantry.scheduler.store.WatchListener;
import dev.gantry.scheduler.store.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A watch-fed cache of the security records (ACL tokens and policies, join tokens, revoked
 * nodes), read on every call. A token missing from the cache is read from the store once before
 * it is refused, so a token works on every replica as soon as its creation is committed.
 * Thread-safe.
 */
public final class SecurityRecords implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SecurityRecords.class);

    private final Store store;
    private final Keys keys;
    private final Map<String, AclToken> aclTokens = new ConcurrentHashMap<>();
    private final Map<String, AclPolicy> policies = new ConcurrentHashMap<>();
    private final Map<String, JoinTokenRecord> joinTokens = new ConcurrentHashMap<>();
    private final Map<String, Boolean> revokedNodes = new ConcurrentHashMap<>();
    private volatile Watcher watcher;
    private volatile boolean closed;

    public SecurityRecords(Store store, Keys keys) {
        this.store = store;
        this.keys = keys;
    }

    /** Loads the records and follows their changes; completes once loaded. */
    public CompletableFuture<Void> start() {
        return store.range(keys.security()).thenAccept(this::load);
    }

    private synchronized void load(RangeResult range) {
        aclTokens.clear();
        policies.clear();
        joinTokens.clear();
        revokedNodes.clear();
        range.kvs().forEach(kv -> apply(kv, false));
        if (watcher != null) watcher.close();
        if (closed) return;
        watcher = store.watch(keys.security(), range.revision() + 1, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                for (WatchEvent e : events) apply(e.kv(), e.type() == WatchEvent.Type.DELETE);
            }

            @Override
            public void onError(Throwable error) {
                if (closed) return;
                log.warn("security records watch failed ({}); reloading", error.toString());
                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> start().exceptionally(e -> {
                    onError(e);
                    return null;
                }));
            }
        });
    }

    private void apply(KeyValue kv, boolean deleted) {
        String key = kv.key();
        try {
            if (key.startsWith(keys.aclTokens())) {
                String id = key.substring(keys.aclTokens().length());
                if (deleted) aclTokens.remove(id);
                else aclTokens.put(id, AclToken.parseFrom(kv.value()));
            } else if (key.startsWith(keys.aclPolicies())) {
                String id = key.substring(keys.aclPolicies().length());
                if (deleted) policies.remove(id);
                else policies.put(id, AclPolicy.parseFrom(kv.value()));
            } else if (key.startsWith(keys.joinTokens())) {
                String id = key.substring(keys.joinTokens().length());
                if (deleted) joinTokens.remove(id);
                else joinTokens.put(id, JoinTokenRecord.parseFrom(kv.value()));
            } else if (key.startsWith(keys.revokedNodes())) {
                String id = key.substring(keys.revokedNodes().length());
                if (deleted) revokedNodes.remove(id);
                else revokedNodes.put(id, Boolean.TRUE);
            }
        } catch (InvalidProtocolBufferException e) {
            log.error("ignoring undecodable security record at {}: {}", key, e.getMessage());
        }
    }

    /** The ACL token whose secret hashes to {@code hashHex}, from the cache or else the store. */
    public Optional<AclToken> aclToken(String hashHex) {
        AclToken cached = aclTokens.get(hashHex);
        if (cached != null) return Optional.of(cached);
        try {
            Optional<KeyValue> kv = store.get(keys.aclToken(hashHex)).get(5, TimeUnit.SECONDS);
            if (kv.isEmpty()) return Optional.empty();
            AclToken t = AclToken.parseFrom(kv.get().value());
            return Optional.of(t);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read ACL tokens from the state store: " + e.getMessage(), e);
        }
    }

    public AclPolicy policy(String name) {
        return policies.get(name);
    }

    public Map<String, AclPolicy> policies() {
        return Map.copyOf(policies);
    }

    public Map<String, AclToken> aclTokens() {
        return Map.copyOf(aclTokens);
    }

    public Map<String, JoinTokenRecord> joinTokens() {
        return Map.copyOf(joinTokens);
    }

    public boolean isRevoked(String nodeId) {
        return revokedNodes.containsKey(nodeId);
    }

    @Override
    public void close() {
        closed = true;
        Watcher w = watcher;
        if (w != null) w.close();
    }
}
