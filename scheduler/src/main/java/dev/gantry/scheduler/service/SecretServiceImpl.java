package dev.gantry.scheduler.service;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.secret.RegistryAuths;
import dev.gantry.api.secret.SecretNames;
import dev.gantry.api.v1.DeleteSecretRequest;
import dev.gantry.api.v1.ListSecretsRequest;
import dev.gantry.api.v1.ListSecretsResponse;
import dev.gantry.api.v1.PutSecretRequest;
import dev.gantry.api.v1.Secret;
import dev.gantry.api.v1.SecretInfo;
import dev.gantry.api.v1.SecretServiceGrpc;
import dev.gantry.scheduler.state.AtomicUpdate;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.TxnResult;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Cluster secrets: stores the Docker config.json documents that tasks name as their
 * image_pull_secret, checked on the way in. Their data is never returned nor logged; the agent
 * service hands it only to the agents that run a task naming the secret.
 */
public final class SecretServiceImpl extends SecretServiceGrpc.SecretServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(SecretServiceImpl.class);
    /** Far below etcd's 1.5 MiB request limit; a registry config is a few hundred bytes. */
    static final int MAX_SECRET_BYTES = 64 * 1024;

    private final ClusterState state;
    private final Store store;
    private final Keys keys;
    private final Clock clock;

    public SecretServiceImpl(ClusterState state, Store store, Keys keys, Clock clock) {
        this.state = state;
        this.store = store;
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public void put(PutSecretRequest request, StreamObserver<SecretInfo> out) {
        Rpc.unary(out, () -> {
            String ns = namespace(request.getNamespace());
            requireName(request.getName());
            byte[] data = request.getData().toByteArray();
            if (data.length > MAX_SECRET_BYTES) {
                throw invalid("secret " + request.getName() + ": data is " + data.length + " bytes; at most "
                        + MAX_SECRET_BYTES + " are allowed");
            }
            try {
                RegistryAuths.parse(data);
            } catch (IllegalArgumentException e) {
                throw invalid("secret " + request.getName() + ": data " + e.getMessage());
            }
            Secret secret = Secret.newBuilder().setNamespace(ns).setName(request.getName()).setData(request.getData())
                    .setUpdateTime(Timestamps.fromMillis(clock.millis())).build();
            var result = AtomicUpdate.apply(store, keys.secret(ns, request.getName()), Secret.parser(),
                    current -> Optional.of(secret));
            // Read-your-writes: a job submitted next finds the secret in the cache pushes read.
            state.awaitRevision(result.revision()).get(10, TimeUnit.SECONDS);
            log.info("secret {}/{} stored ({} bytes)", ns, request.getName(), data.length);
            return info(secret);
        });
    }

    @Override
    public void list(ListSecretsRequest request, StreamObserver<ListSecretsResponse> out) {
        Rpc.unary(out, () -> {
            String prefix = namespace(request.getNamespace()) + "/";
            ListSecretsResponse.Builder b = ListSecretsResponse.newBuilder();
            state.secrets().entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                    .map(e -> e.getValue().value()).sorted(Comparator.comparing(Secret::getName))
                    .forEach(s -> b.addSecrets(info(s)));
            return b.build();
        });
    }

    @Override
    public void delete(DeleteSecretRequest request, StreamObserver<SecretInfo> out) {
        Rpc.unary(out, () -> {
            String ns = namespace(request.getNamespace());
            requireName(request.getName());
            String key = keys.secret(ns, request.getName());
            Optional<KeyValue> kv = store.get(key).get(10, TimeUnit.SECONDS);
            if (kv.isEmpty()) throw Rpc.notFound("secret " + request.getName() + " not found in namespace " + ns);
            TxnResult r = store.txn(List.of(Compare.modRevision(key, kv.get().modRevision())), List.of(Op.delete(key)),
                    List.of()).get(10, TimeUnit.SECONDS);
            if (!r.succeeded()) {
                throw Status.ABORTED.withDescription("secret " + request.getName() + " changed meanwhile; try again")
                        .asRuntimeException();
            }
            state.awaitRevision(r.revision()).get(10, TimeUnit.SECONDS);
            log.info("secret {}/{} deleted", ns, request.getName());
            return info(Secret.parseFrom(kv.get().value()));
        });
    }

    /** What may be shown of a secret. Data stored before validation existed still lists (without registries). */
    static SecretInfo info(Secret s) {
        SecretInfo.Builder b = SecretInfo.newBuilder().setNamespace(s.getNamespace()).setName(s.getName())
                .setSize(s.getData().size()).setUpdateTime(s.getUpdateTime());
        try {
            b.addAllRegistries(RegistryAuths.parse(s.getData().toByteArray()).registries());
        } catch (IllegalArgumentException ignored) {
            // listed without registries
        }
        return b.build();
    }

    private static void requireName(String name) {
        SecretNames.problem(name).ifPresent(p -> {
            throw invalid("name: " + p);
        });
    }

    private static String namespace(String ns) {
        if (ns.isEmpty()) return "default";
        // Namespaces are DNS labels like secret names (job validation holds them to that too).
        SecretNames.problem(ns).ifPresent(p -> {
            throw invalid("namespace: " + p.replace("secret name", "namespace"));
        });
        return ns;
    }

    private static io.grpc.StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
