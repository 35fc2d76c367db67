package dev.gantry.scheduler.security;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gantry.api.v1.AuditRecord;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.WatchEvent;
import dev.gantry.scheduler.store.WatchListener;
import dev.gantry.scheduler.store.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The audit trail: every mutating call, recorded in the store by the replica that served it (so
 * every replica's event streams show it, as audit.call events) and trimmed to the newest
 * {@code keep}. Writing never delays or fails the call it records: a store that does not answer
 * costs an audit record (logged at WARN), never an RPC. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    public static final int DEFAULT_KEEP = 10_000;
    private static final int TRIM_EVERY = 256;

    private final Store store;
    private final Keys keys;
    private final int keep;
    private final String replica = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final List<Consumer<AuditRecord>> listeners = new CopyOnWriteArrayList<>();
    private volatile Watcher watcher;

    public AuditLog(Store store, Keys keys, int keep) {
        this.store = store;
        this.keys = keys;
        this.keep = keep;
    }

    /** Follows records from now on (of every replica), handing each to the listeners. */
    public AuditLog start() {
        watcher = store.watch(keys.audit(), 0, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                for (WatchEvent e : events) {
                    if (e.type() == WatchEvent.Type.DELETE) continue;
                    try {
                        AuditRecord r = AuditRecord.parseFrom(e.kv().value());
                        for (Consumer<AuditRecord> l : listeners) l.accept(r);
                    } catch (InvalidProtocolBufferException ex) {
                        log.error("ignoring undecodable audit record at {}", e.kv().key());
                    } catch (RuntimeException ex) {
                        log.warn("audit listener failed: {}", ex.toString());
                    }
                }
            }

            @Override
            public void onError(Throwable error) {
                log.warn("audit watch ended ({}); audit events are no longer streamed by this replica", error.toString());
            }
        });
        return this;
    }

    public void addListener(Consumer<AuditRecord> listener) {
        listeners.add(listener);
    }

    /** Stores {@code record} in the background. */
    public void record(AuditRecord record) {
        log.info("audit: {} {} {} -> {}", record.getCaller(), record.getMethod(),
                record.getNamespace().isEmpty() ? "" : "ns=" + record.getNamespace(), record.getResult());
        String key = keys.audit() + String.format("%015d-%s-%08d", com.google.protobuf.util.Timestamps.toMillis(record.getTime()),
                replica, sequence.incrementAndGet());
        store.txn(List.of(), List.of(Op.put(key, record.toByteArray())), List.of()).whenComplete((r, e) -> {
            if (e != null) log.warn("cannot store an audit record ({}): {}", e.toString(), record);
            else if (written.incrementAndGet() % TRIM_EVERY == 0) trim();
        });
    }

    /** Deletes all but the newest {@code keep} records. */
    void trim() {
        store.range(keys.audit()).thenAccept(range -> {
            List<KeyValue> kvs = range.kvs();
            if (kvs.size() <= keep) return;
            List<Op> deletes = new ArrayList<>();
            for (KeyValue kv : kvs.subList(0, kvs.size() - keep)) deletes.add(Op.delete(kv.key()));
            for (int i = 0; i < deletes.size(); i += 100) {
                store.txn(List.of(), deletes.subList(i, Math.min(deletes.size(), i + 100)), List.of());
            }
        }).exceptionally(e -> {
            log.warn("cannot trim the audit records: {}", e.toString());
            return null;
        });
    }

    @Override
    public void close() {
        Watcher w = watcher;
        if (w != null) w.close();
    }
}
