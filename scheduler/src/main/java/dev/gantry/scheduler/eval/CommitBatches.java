package dev.gantry.scheduler.eval;

import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs job plans into as few transactions as etcd accepts: at most {@code maxOps} compares
 * and at most {@code maxOps} operations per transaction (etcd's {@code --max-txn-ops}, 128 by
 * default, bounds each list) and at most {@code maxBytes} of keys and values (etcd refuses
 * requests over 1.5 MiB). Plans of different jobs touch different keys, so any of them can
 * share a transaction; a batch whose compares fail commits nothing, and only its jobs are
 * evaluated again.
 *
 * <p>A plan that fits a transaction stays whole, so it commits atomically as before. A plan
 * too big for one (a job placing hundreds of replicas at once) cannot commit as one at all;
 * it is cut into a sequence of transactions, each with the plan's job-wide compares (the job's
 * own revision) and the compares on the keys it writes: new allocations first, then the rest.
 * The sequence commits in order and stops at its first failure; what committed stands, and
 * the next evaluation continues from there (level-triggered, like any partial progress).
 *
 * <p>Pure: no I/O; the same plans give the same batches.
 */
final class CommitBatches {
    /** One transaction: its compares and writes, and the plans it commits (a part of one plan, or whole plans). */
    record Txn(List<Compare> compares, List<Op> ops, List<JobPlan> plans) {
    }

    /**
     * What to commit: {@code shared} transactions of whole plans, in any order and concurrently,
     * and {@code sequences}, each the parts of one big plan, to be committed in order.
     */
    record Commits(List<Txn> shared, List<List<Txn>> sequences) {
    }

    private CommitBatches() {
    }

    /** {@code reserved}: compares added to every transaction later (the leader's fence). */
    static Commits of(List<JobPlan> plans, int maxOps, long maxBytes, int reserved) {
        int compareRoom = maxOps - reserved;
        List<Txn> shared = new ArrayList<>();
        List<List<Txn>> sequences = new ArrayList<>();
        List<Compare> compares = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        List<JobPlan> members = new ArrayList<>();
        long bytes = 0;
        for (JobPlan plan : plans) {
            if (plan.ops().isEmpty()) continue;
            long size = bytes(plan.ops()) + compareBytes(plan.compares());
            if (plan.compares().size() > compareRoom || plan.ops().size() > maxOps || size > maxBytes) {
                sequences.add(split(plan, maxOps, compareRoom, maxBytes));
                continue;
            }
            if (compares.size() + plan.compares().size() > compareRoom || ops.size() + plan.ops().size() > maxOps
                    || bytes + size > maxBytes) {
                shared.add(new Txn(compares, ops, members));
                compares = new ArrayList<>();
                ops = new ArrayList<>();
                members = new ArrayList<>();
                bytes = 0;
            }
            compares.addAll(plan.compares());
            ops.addAll(plan.ops());
            members.add(plan);
            bytes += size;
        }
        if (!members.isEmpty()) shared.add(new Txn(compares, ops, members));
        return new Commits(shared, sequences);
    }

    /** One big plan as a sequence of transactions: compares on a written key travel with the write. */
    private static List<Txn> split(JobPlan plan, int maxOps, int compareRoom, long maxBytes) {
        Map<String, List<Compare>> byKey = new HashMap<>();
        for (Compare c : plan.compares()) byKey.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(c);
        Map<String, Op> written = new LinkedHashMap<>();
        for (Op op : plan.ops()) written.put(op.key(), op);
        List<Compare> global = new ArrayList<>();
        for (Compare c : plan.compares()) if (!written.containsKey(c.key())) global.add(c);

        // New allocations (guarded by "absent") first, so that an interrupted sequence leaves
        // replicas added rather than stopped.
        List<Op> order = new ArrayList<>();
        for (Op op : plan.ops()) if (isCreate(op, byKey)) order.add(op);
        for (Op op : plan.ops()) if (!isCreate(op, byKey)) order.add(op);

        List<Txn> out = new ArrayList<>();
        List<Compare> compares = new ArrayList<>(global);
        List<Op> ops = new ArrayList<>();
        long size = compareBytes(global);
        for (Op op : order) {
            List<Compare> own = byKey.getOrDefault(op.key(), List.of());
            long opSize = bytes(List.of(op)) + compareBytes(own);
            if (!ops.isEmpty() && (compares.size() + own.size() > compareRoom || ops.size() + 1 > maxOps
                    || size + opSize > maxBytes)) {
                out.add(new Txn(compares, ops, List.of(plan)));
                compares = new ArrayList<>(global);
                ops = new ArrayList<>();
                size = compareBytes(global);
            }
            compares.addAll(own);
            ops.add(op);
            size += opSize;
        }
        if (!ops.isEmpty()) out.add(new Txn(compares, ops, List.of(plan)));
        return out;
    }

    private static boolean isCreate(Op op, Map<String, List<Compare>> byKey) {
        return op instanceof Op.Put && byKey.getOrDefault(op.key(), List.of()).stream().anyMatch(c -> c.modRevision() == 0);
    }

    private static long bytes(List<Op> ops) {
        long n = 0;
        for (Op op : ops) {
            n += op.key().length() + 16;
            if (op instanceof Op.Put p) n += p.value().length;
        }
        return n;
    }

    private static long compareBytes(List<Compare> compares) {
        long n = 0;
        for (Compare c : compares) n += c.key().length() + 16;
        return n;
    }
}
