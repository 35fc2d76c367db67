package dev.gantry.scheduler.eval;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.scheduler.state.Versioned;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which finished allocations may leave the store: those told to stop whose agent reported
 * them ended (complete, failed or lost) longer than {@code retention} ago, and, whatever their
 * age, all but the newest {@code keepPerReplica} ended ones of each replica index, so that a
 * replica failing over and over leaves a bounded trail. The kept ones stay visible (`gantry ps
 * --all`, `gantry logs`) for whoever investigates, and the newest one of an index tells the
 * reconciler how long its replacement waits. Pure.
 */
public record AllocationRetention(Duration retention, int keepPerReplica) {
    public static final AllocationRetention DEFAULT = new AllocationRetention(Duration.ofHours(1), 3);

    public AllocationRetention {
        if (keepPerReplica < 1) throw new IllegalArgumentException("keepPerReplica must be at least 1");
    }

    public AllocationRetention(Duration retention) {
        this(retention, DEFAULT.keepPerReplica);
    }

    /** Ended, and past the retention (the per-replica bound aside). */
    public boolean collectable(Allocation a, Instant now) {
        if (!ended(a)) return false;
        Instant changed = Instant.ofEpochSecond(a.getModifyTime().getSeconds(), a.getModifyTime().getNanos());
        return changed.plus(retention).isBefore(now);
    }

    /** Of one job's allocations, those to delete now: past the retention, or beyond the newest few of their index. */
    public List<Versioned<Allocation>> collectable(Collection<Versioned<Allocation>> ofJob, Instant now) {
        Map<Integer, List<Versioned<Allocation>>> endedByIndex = new TreeMap<>();
        for (Versioned<Allocation> v : ofJob) {
            if (ended(v.value())) endedByIndex.computeIfAbsent(v.value().getIndex(), i -> new ArrayList<>()).add(v);
        }
        List<Versioned<Allocation>> out = new ArrayList<>();
        Comparator<Versioned<Allocation>> newestFirst = Comparator.comparing((Versioned<Allocation> v) ->
                        Instant.ofEpochSecond(v.value().getCreateTime().getSeconds(), v.value().getCreateTime().getNanos()))
                .thenComparing(v -> v.value().getId()).reversed();
        for (List<Versioned<Allocation>> ended : endedByIndex.values()) {
            ended.sort(newestFirst);
            for (int k = 0; k < ended.size(); k++) {
                if (k >= keepPerReplica || collectable(ended.get(k).value(), now)) out.add(ended.get(k));
            }
        }
        return out;
    }

    private static boolean ended(Allocation a) {
        if (a.getDesiredStatus() != DesiredStatus.DESIRED_STOP) return false;
        return switch (a.getClientStatus()) {
            case CLIENT_COMPLETE, CLIENT_FAILED, CLIENT_LOST -> true;
            default -> false;
        };
    }
}
