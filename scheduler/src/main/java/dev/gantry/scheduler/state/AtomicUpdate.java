package dev.gantry.scheduler.state;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.TxnResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Read-modify-write of one protobuf value with compare-and-swap, retried on conflict. The
 * function sees the current value (empty if absent) and returns the new one, or empty to
 * leave the key as it is. Blocking: call it from a request thread, never from a watch callback.
 */
public final class AtomicUpdate {
    private static final int ATTEMPTS = 20;

    private AtomicUpdate() {
    }

    /** The outcome: the value now stored (or left), and the revision to await for read-your-writes. */
    public record Result<T>(Optional<T> value, long revision, boolean written) {
    }

    public static <T extends Message> Result<T> apply(Store store, String key, Parser<T> parser,
                                                      Function<Optional<T>, Optional<T>> change)
            throws InterruptedException, ExecutionException, TimeoutException {
        return apply(store, key, parser, change, next -> List.of(), List.of());
    }

    /**
     * As {@link #apply(Store, String, Parser, Function)}, trying first with {@code cached}: the
     * value the caller's cache holds and the revision it was read at (for example from a
     * {@link Snapshot}), which saves the read when the cache is current. The change is only
     * ever written with a compare on the revision its input was read at, so a stale cache costs
     * a failed compare and then the usual read-and-retry. When the change asks for no write on
     * the cached value, the key is read to make sure, so a stale cache never suppresses a write.
     */
    public static <T extends Message> Result<T> apply(Store store, String key, Parser<T> parser,
                                                      Function<Optional<T>, Optional<T>> change, Versioned<T> cached)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (cached != null) {
            Optional<T> next = change.apply(Optional.of(cached.value()));
            if (next.isPresent()) {
                TxnResult r = store.txn(List.of(Compare.modRevision(key, cached.modRevision())),
                        List.of(Op.put(key, next.get().toByteArray())), List.of()).get(10, TimeUnit.SECONDS);
                if (r.succeeded()) return new Result<>(next, r.revision(), true);
            }
        }
        return apply(store, key, parser, change);
    }

    /**
     * As above, and in the same transaction: {@code alsoWrite} (derived from the new value) and
     * {@code alsoCompare} (for example a leader's fence). A failed extra compare is retried like
     * a conflict on the key.
     */
    public static <T extends Message> Result<T> apply(Store store, String key, Parser<T> parser,
                                                      Function<Optional<T>, Optional<T>> change,
                                                      Function<T, List<Op>> alsoWrite, List<Compare> alsoCompare)
            throws InterruptedException, ExecutionException, TimeoutException {
        for (int i = 0; i < ATTEMPTS; i++) {
            Optional<KeyValue> kv = store.get(key).get(10, TimeUnit.SECONDS);
            Optional<T> current;
            try {
                current = kv.isPresent() ? Optional.of(parser.parseFrom(kv.get().value())) : Optional.empty();
            } catch (InvalidProtocolBufferException e) {
                throw new ExecutionException("stored value at " + key + " is corrupt", e);
            }
            Optional<T> next = change.apply(current);
            if (next.isEmpty()) return new Result<>(current, kv.map(KeyValue::modRevision).orElse(0L), false);
            long rev = kv.map(KeyValue::modRevision).orElse(0L);
            List<Compare> compares = new ArrayList<>(alsoCompare);
            compares.add(Compare.modRevision(key, rev));
            List<Op> ops = new ArrayList<>(alsoWrite.apply(next.get()));
            ops.add(Op.put(key, next.get().toByteArray()));
            TxnResult r = store.txn(compares, ops, List.of()).get(10, TimeUnit.SECONDS);
            if (r.succeeded()) return new Result<>(next, r.revision(), true);
        }
        throw new ExecutionException("too much contention updating " + key, null);
    }
}
