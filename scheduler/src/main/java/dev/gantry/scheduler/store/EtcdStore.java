package dev.gantry.scheduler.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The store on a real etcd cluster, through jetcd. Keys are UTF-8; callers pass full keys (no
 * namespace is added). Revisions, compares and watch semantics are etcd's own, which
 * {@link MemoryStore} imitates.
 *
 * <p>Every RPC goes through {@link EtcdRpc}: one per-call deadline, retries only for idempotent
 * calls while etcd is unavailable, errors translated to the port's exceptions, and futures
 * completed on this store's threads. Watches are delivered on a thread per watch, one revision
 * per call; jetcd re-subscribes a broken watch stream by itself from the next revision.
 *
 * <p>Leases are granted in whole seconds (etcd's unit), rounded up; etcd also enforces a minimum
 * TTL (about 2 s with default election settings). Thread-safe.
 */
public final class EtcdStore implements Store {
    /** Per-call deadline unless the caller chooses one. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final int READ_ATTEMPTS = 3;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    /** gRPC's 4 MiB default is too small for a large range, or for a watch catching up on many revisions at once. */
    private static final int MAX_INBOUND_MESSAGE_BYTES = 256 * 1024 * 1024;
    private static final ByteSequence HEALTH_PROBE_KEY = bytes("\u0000gantry-health-probe");
    /** etcd's "all keys" range: from "\0" to the end marker "\0". */
    private static final ByteSequence ALL_KEYS = ByteSequence.from(new byte[] {0});

    private final Client client;
    private final EtcdRpc rpc;
    private final ExecutorService completions;
    private final Set<WatchDelivery> watches = ConcurrentHashMap.newKeySet();

    private EtcdStore(Client client, EtcdOptions options, ExecutorService completions) {
        this.client = client;
        this.completions = completions;
        this.rpc = new EtcdRpc(options.callTimeout(), READ_ATTEMPTS, FIRST_BACKOFF, completions, new Diagnosis(options));
    }

    /** Connects lazily (the first call waits for the connection, within its deadline). */
    public static EtcdStore connect(List<String> endpoints) {
        return connect(EtcdOptions.of(endpoints));
    }

    /** As {@link #connect(List)}, with {@code callTimeout} as every call's deadline. */
    public static EtcdStore connect(List<String> endpoints, Duration callTimeout) {
        return connect(EtcdOptions.of(endpoints).withCallTimeout(callTimeout));
    }

    /**
     * Connects lazily, over TLS when the endpoints are https:// (with the options' client
     * certificate, if any), as the options' user when given. Nothing is dialled here: a wrong
     * certificate or password shows in the first call. jetcd checks each endpoint's server
     * certificate against that endpoint's own host (IP or DNS name), so every member's
     * certificate must name the address the scheduler uses for it.
     */
    public static EtcdStore connect(EtcdOptions options) {
        ClientBuilder builder = Client.builder()
                .endpoints(options.endpoints().stream().map(String::trim).toArray(String[]::new))
                .retryMaxAttempts(0) // EtcdRpc owns the retry rule
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .interceptor(new UnaryDeadlineInterceptor(options.callTimeout()));
        if (options.secure()) {
            EtcdTls tls = options.tls() != null ? options.tls() : new EtcdTls(List.of(), null, List.of());
            builder.sslContext(tls.sslContext());
        }
        if (options.credentials() != null) {
            builder.user(bytes(options.credentials().user())).password(bytes(options.credentials().password()));
        }
        return new EtcdStore(builder.build(), options, Executors.newCachedThreadPool(new DaemonThreads("gantry-etcd")));
    }

    /**
     * {@link EtcdHandshake}'s answer, asked at most once per {@link #FRESH} however many calls time out
     * together, so that an outage does not turn into a storm of probes.
     */
    private static final class Diagnosis implements java.util.function.Supplier<Optional<String>> {
        private static final Duration FRESH = Duration.ofSeconds(5);
        private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
        private final EtcdOptions options;
        private Optional<String> last = Optional.empty();
        private long askedAt;
        private boolean asked;

        Diagnosis(EtcdOptions options) {
            this.options = options;
        }

        @Override
        public synchronized Optional<String> get() {
            long now = System.nanoTime();
            if (!asked || now - askedAt > FRESH.toNanos()) {
                Duration timeout = options.callTimeout().compareTo(PROBE_TIMEOUT) < 0 ? options.callTimeout() : PROBE_TIMEOUT;
                last = EtcdHandshake.problems(options, timeout);
                askedAt = now;
                asked = true;
            }
            return last;
        }
    }

    @Override
    public CompletableFuture<Optional<KeyValue>> get(String key) {
        return rpc.idempotent("get " + key, () -> client.getKVClient().get(bytes(key)))
                .thenApply(response -> response.getKvs().stream().findFirst().map(EtcdStore::toKeyValue));
    }

    @Override
    public CompletableFuture<RangeResult> range(String prefix) {
        return rpc.idempotent("range " + prefix, () -> prefix.isEmpty()
                        ? client.getKVClient().get(ALL_KEYS, GetOption.builder().withRange(ALL_KEYS).build())
                        : client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()))
                .thenApply(EtcdStore::toRangeResult);
    }

    @Override
    public CompletableFuture<TxnResult> txn(List<Compare> compares, List<Op> onSuccess, List<Op> onFailure) {
        Cmp[] cmps = compares.stream()
                .map(c -> new Cmp(bytes(c.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(c.modRevision())))
                .toArray(Cmp[]::new);
        io.etcd.jetcd.op.Op[] then = onSuccess.stream().map(EtcdStore::toOp).toArray(io.etcd.jetcd.op.Op[]::new);
        io.etcd.jetcd.op.Op[] otherwise = onFailure.stream().map(EtcdStore::toOp).toArray(io.etcd.jetcd.op.Op[]::new);
        return rpc.once("txn", () -> client.getKVClient().txn().If(cmps).Then(then).Else(otherwise).commit())
                .thenApply(response -> new TxnResult(response.isSucceeded(), response.getHeader().getRevision()));
    }

    @Override
    public Watcher watch(String prefix, long fromRevision, WatchListener listener) {
        WatchDelivery delivery = new WatchDelivery(listener, "gantry-etcd-watch");
        WatchOption.Builder option = WatchOption.builder().withRevision(Math.max(0, fromRevision));
        ByteSequence key = prefix.isEmpty() ? ALL_KEYS : bytes(prefix);
        option = prefix.isEmpty() ? option.withRange(ALL_KEYS) : option.isPrefix(true);
        io.etcd.jetcd.Watch.Watcher watcher =
                client.getWatchClient().watch(key, option.build(), new EtcdWatchListener(prefix, delivery));
        watches.add(delivery);
        delivery.onEnd(() -> {
            watches.remove(delivery);
            watcher.close();
        });
        return delivery;
    }

    @Override
    public CompletableFuture<Long> grantLease(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("lease TTL must be positive: " + ttl));
        }
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        return rpc.once("grant lease", () -> client.getLeaseClient().grant(seconds))
                .thenApply(response -> response.getID());
    }

    @Override
    public CompletableFuture<Void> keepAlive(long leaseId) {
        // jetcd's keepAliveOnce turns etcd's "TTL 0" answer for a dead lease into NOT_FOUND.
        return rpc.idempotent("keep-alive lease " + leaseId, () -> client.getLeaseClient().keepAliveOnce(leaseId))
                .thenApply(response -> null);
    }

    @Override
    public CompletableFuture<Void> revokeLease(long leaseId) {
        return rpc.idempotent("revoke lease " + leaseId, () -> client.getLeaseClient().revoke(leaseId))
                .handle((response, error) -> {
                    if (error != null && !(EtcdRpc.unwrap(error) instanceof LeaseNotFoundException)) {
                        throw new java.util.concurrent.CompletionException(EtcdRpc.unwrap(error));
                    }
                    return null;
                });
    }

    /** A quorum read of one key's count: proves a leader answers, without reading data. */
    @Override
    public CompletableFuture<Void> ping() {
        return rpc.idempotent("ping", () -> client.getKVClient()
                        .get(HEALTH_PROBE_KEY, GetOption.builder().withCountOnly(true).build()))
                .thenApply(response -> null);
    }

    /** Ends all watches silently, then closes the connection. Idempotent. */
    @Override
    public void close() {
        List.copyOf(watches).forEach(WatchDelivery::close);
        client.close();
        completions.shutdown();
    }

    private static io.etcd.jetcd.op.Op toOp(Op op) {
        if (op instanceof Op.Put put) {
            PutOption option = put.lease() == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(put.lease()).build();
            return io.etcd.jetcd.op.Op.put(bytes(put.key()), ByteSequence.from(put.value()), option);
        }
        return io.etcd.jetcd.op.Op.delete(bytes(op.key()), DeleteOption.DEFAULT);
    }

    private static RangeResult toRangeResult(GetResponse response) {
        return new RangeResult(response.getKvs().stream().map(EtcdStore::toKeyValue).toList(),
                response.getHeader().getRevision());
    }

    private static KeyValue toKeyValue(io.etcd.jetcd.KeyValue kv) {
        return new KeyValue(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(),
                kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(), kv.getLease());
    }

    private static ByteSequence bytes(String key) {
        return ByteSequence.from(key, StandardCharsets.UTF_8);
    }
}
