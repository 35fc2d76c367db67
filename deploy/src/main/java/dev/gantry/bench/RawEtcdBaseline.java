package dev.gantry.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Raw etcd through jetcd, the ceiling the scheduler's commits live under: 256-byte values,
 * puts with 256 in flight, and transactions of 100 puts (one at a time, as a single committer
 * does, and 16 in flight). Run on an etcd of its own, so that its keys do not weigh on the
 * scheduler's run.
 */
final class RawEtcdBaseline {
    record Result(double putsPerSecond, double txnKeysPerSecondSerial, double txnKeysPerSecondParallel) {
    }

    private RawEtcdBaseline() {
    }

    static Result measure(List<String> endpoints, int puts, int txns) throws Exception {
        try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
            KV kv = client.getKVClient();
            ByteSequence value = ByteSequence.from(new byte[256]);
            putsInFlight(kv, "/raw/warm/", value, 2_000, 64);
            double putRate = putsInFlight(kv, "/raw/put/", value, puts, 256);
            double serial = txns(kv, "/raw/txn1/", value, Math.max(20, txns / 4), 1);
            double parallel = txns(kv, "/raw/txn16/", value, txns, 16);
            return new Result(putRate, serial, parallel);
        }
    }

    private static double putsInFlight(KV kv, String prefix, ByteSequence value, int count, int inFlight) throws Exception {
        Semaphore window = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            window.acquire();
            kv.put(key(prefix, i), value).whenComplete((r, e) -> {
                if (e != null) failure.compareAndSet(null, e);
                window.release();
            });
        }
        window.acquire(inFlight);
        long t1 = System.nanoTime();
        if (failure.get() != null) throw new IllegalStateException("raw put failed", failure.get());
        return count / ((t1 - t0) / 1e9);
    }

    private static double txns(KV kv, String prefix, ByteSequence value, int count, int inFlight) throws Exception {
        Semaphore window = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Op[] ops = new Op[100];
            for (int k = 0; k < 100; k++) ops[k] = Op.put(key(prefix, i * 100 + k), value, PutOption.DEFAULT);
            window.acquire();
            CompletableFuture<?> f = kv.txn().Then(ops).commit();
            f.whenComplete((r, e) -> {
                if (e != null) failure.compareAndSet(null, e);
                window.release();
            });
        }
        if (!window.tryAcquire(inFlight, 60, TimeUnit.SECONDS)) throw new IllegalStateException("raw txns did not finish");
        long t1 = System.nanoTime();
        if (failure.get() != null) throw new IllegalStateException("raw txn failed", failure.get());
        return count * 100 / ((t1 - t0) / 1e9);
    }

    private static ByteSequence key(String prefix, int i) {
        return ByteSequence.from(prefix + String.format("%08d", i), StandardCharsets.UTF_8);
    }
}
