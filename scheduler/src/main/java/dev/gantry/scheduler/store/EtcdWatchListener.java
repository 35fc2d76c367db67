package dev.gantry.scheduler.store;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts one jetcd watch to the port: splits each response into one batch per revision (a
 * response may carry several; etcd never splits a revision across responses), and decides which
 * errors end the watch. jetcd reports every error, including transient ones after which it
 * re-subscribes by itself from the next revision; only compaction, or jetcd giving up (it then
 * completes the stream), end ours. Called on jetcd's event loop; it only hands work on.
 */
final class EtcdWatchListener implements Watch.Listener {
    private static final Logger log = LoggerFactory.getLogger(EtcdWatchListener.class);

    private final String prefix;
    private final WatchDelivery delivery;
    private volatile Throwable lastError;

    EtcdWatchListener(String prefix, WatchDelivery delivery) {
        this.prefix = prefix;
        this.delivery = delivery;
    }

    @Override
    public void onNext(WatchResponse response) {
        List<WatchEvent> batch = new ArrayList<>();
        long batchRevision = -1;
        for (io.etcd.jetcd.watch.WatchEvent event : response.getEvents()) {
            WatchEvent mapped = toEvent(event);
            if (mapped == null) {
                continue;
            }
            if (mapped.kv().modRevision() != batchRevision && !batch.isEmpty()) {
                delivery.offer(List.copyOf(batch));
                batch.clear();
            }
            batchRevision = mapped.kv().modRevision();
            batch.add(mapped);
        }
        if (!batch.isEmpty()) {
            delivery.offer(List.copyOf(batch));
        }
    }

    @Override
    public void onError(Throwable error) {
        if (error instanceof io.etcd.jetcd.common.exception.CompactedException compacted) {
            delivery.fail(withCause(new CompactedException("watch of " + prefix + ": history compacted through revision "
                    + compacted.getCompactedRevision()), error));
            return;
        }
        lastError = error;
        log.debug("watch of {}: {} (jetcd resumes it unless it completes)", prefix, error.toString());
    }

    @Override
    public void onCompleted() {
        // Also called when we close the jetcd watcher ourselves; then the delivery is closed already.
        if (delivery.isOpen()) {
            Throwable cause = lastError;
            delivery.fail(cause != null ? cause : new IllegalStateException("etcd ended the watch of " + prefix));
        }
    }

    private static WatchEvent toEvent(io.etcd.jetcd.watch.WatchEvent event) {
        io.etcd.jetcd.KeyValue kv = event.getKeyValue();
        KeyValue mapped = new KeyValue(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(),
                kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(), kv.getLease());
        return switch (event.getEventType()) {
            case PUT -> new WatchEvent(WatchEvent.Type.PUT, mapped);
            case DELETE -> new WatchEvent(WatchEvent.Type.DELETE, mapped);
            default -> null;
        };
    }

    private static <E extends Throwable> E withCause(E error, Throwable cause) {
        error.initCause(cause);
        return error;
    }
}
