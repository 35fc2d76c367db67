package dev.gantry.scheduler.admission;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.namespace.NamespaceSetting;
import dev.gantry.api.v1.Namespace;
import dev.gantry.api.v1.NamespaceSettings;
import dev.gantry.scheduler.state.AtomicUpdate;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The namespaces' stored settings, under {@code namespaces/NAME}. Reads go to the store (a quorum
 * read), not to a cache: a submit that follows a change of the settings, on any replica, is
 * checked against that change. A namespace without a stored value has the defaults (all denied).
 */
public final class Namespaces {
    private final Store store;
    private final Keys keys;
    private final Clock clock;

    public Namespaces(Store store, Keys keys, Clock clock) {
        this.store = store;
        this.keys = keys;
        this.clock = clock;
    }

    /** The namespace's settings, the defaults when none are stored. */
    public Namespace get(String name) throws InterruptedException, ExecutionException, TimeoutException {
        Optional<KeyValue> kv = store.get(keys.namespace(name)).get(10, TimeUnit.SECONDS);
        return kv.isEmpty() ? defaults(name) : parse(kv.get());
    }

    /** Every namespace with stored settings, by name. */
    public List<Namespace> stored() throws InterruptedException, ExecutionException, TimeoutException {
        List<Namespace> out = new ArrayList<>();
        for (KeyValue kv : store.range(keys.namespaces()).get(10, TimeUnit.SECONDS).kvs()) {
            out.add(parse(kv));
        }
        return out;
    }

    /**
     * Allows {@code allow} and denies {@code deny}, leaving the other settings as they are, in
     * one compare-and-swap. Idempotent: nothing is written when nothing changes.
     */
    public AtomicUpdate.Result<Namespace> update(String name, Set<NamespaceSetting> allow, Set<NamespaceSetting> deny)
            throws InterruptedException, ExecutionException, TimeoutException {
        return AtomicUpdate.apply(store, keys.namespace(name), Namespace.parser(), current -> {
            Namespace before = current.orElseGet(() -> defaults(name));
            NamespaceSettings.Builder settings = before.getSettings().toBuilder();
            allow.forEach(s -> s.set(settings, true));
            deny.forEach(s -> s.set(settings, false));
            if (current.isPresent() && settings.build().equals(before.getSettings())) return Optional.empty();
            return Optional.of(before.toBuilder().setName(name).setSettings(settings)
                    .setUpdateTime(Timestamps.fromMillis(clock.millis())).build());
        });
    }

    public static Namespace defaults(String name) {
        return Namespace.newBuilder().setName(name).setSettings(NamespaceSettings.getDefaultInstance()).build();
    }

    private static Namespace parse(KeyValue kv) throws ExecutionException {
        try {
            return Namespace.parseFrom(kv.value());
        } catch (InvalidProtocolBufferException e) {
            throw new ExecutionException("stored namespace settings at " + kv.key() + " are corrupt", e);
        }
    }
}
