package dev.gantry.scheduler.service;

import dev.gantry.api.namespace.NamespaceSetting;
import dev.gantry.api.secret.SecretNames;
import dev.gantry.api.v1.GetNamespaceRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.ListNamespacesRequest;
import dev.gantry.api.v1.ListNamespacesResponse;
import dev.gantry.api.v1.Namespace;
import dev.gantry.api.v1.NamespaceServiceGrpc;
import dev.gantry.api.v1.UpdateNamespaceRequest;
import dev.gantry.scheduler.admission.Namespaces;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Versioned;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Namespace settings: read by anyone who may read the namespace, changed by operators only.
 * Update is the one method that widens what jobs may do, so it is the one to put behind the
 * management permission (one entry in the permission table) once ACLs exist; Get and List
 * only read.
 */
public final class NamespaceServiceImpl extends NamespaceServiceGrpc.NamespaceServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(NamespaceServiceImpl.class);

    private final ClusterState state;
    private final Namespaces namespaces;

    public NamespaceServiceImpl(ClusterState state, Namespaces namespaces) {
        this.state = state;
        this.namespaces = namespaces;
    }

    @Override
    public void get(GetNamespaceRequest request, StreamObserver<Namespace> out) {
        Rpc.unary(out, () -> namespaces.get(name(request.getName())));
    }

    @Override
    public void list(ListNamespacesRequest request, StreamObserver<ListNamespacesResponse> out) {
        Rpc.unary(out, () -> {
            TreeMap<String, Namespace> byName = new TreeMap<>();
            byName.put("default", Namespaces.defaults("default"));
            for (Versioned<Job> job : state.snapshot().jobs().values()) {
                byName.putIfAbsent(job.value().getNamespace(), Namespaces.defaults(job.value().getNamespace()));
            }
            for (Namespace stored : namespaces.stored()) byName.put(stored.getName(), stored);
            return ListNamespacesResponse.newBuilder().addAllNamespaces(byName.values()).build();
        });
    }

    @Override
    public void update(UpdateNamespaceRequest request, StreamObserver<Namespace> out) {
        Rpc.unary(out, () -> {
            String name = name(request.getName());
            Set<NamespaceSetting> allow = settings(request.getAllowList(), "allow");
            Set<NamespaceSetting> deny = settings(request.getDenyList(), "deny");
            if (allow.isEmpty() && deny.isEmpty()) throw invalid("name at least one setting to allow or deny ("
                    + NamespaceSetting.words() + ")");
            Set<NamespaceSetting> both = EnumSet.copyOf(allow);
            both.retainAll(deny);
            if (!both.isEmpty()) {
                throw invalid("both allowed and denied: " + String.join(", ", both.stream().map(NamespaceSetting::word).toList()));
            }
            var result = namespaces.update(name, allow, deny);
            if (result.written()) {
                state.awaitRevision(result.revision()).get(10, TimeUnit.SECONDS);
                log.info("namespace {} settings now {} (allowed {}, denied {})", name,
                        result.value().orElseThrow().getSettings().toString().replace("\n", " ").trim(), allow, deny);
            }
            return result.value().orElseThrow();
        });
    }

    private static Set<NamespaceSetting> settings(List<String> names, String what) {
        Set<NamespaceSetting> out = EnumSet.noneOf(NamespaceSetting.class);
        for (String n : names) {
            out.add(NamespaceSetting.parse(n).orElseThrow(() -> invalid(what + ": \"" + n
                    + "\" is not a namespace setting (" + NamespaceSetting.words() + ")")));
        }
        return out;
    }

    private static String name(String name) {
        if (name.isEmpty()) return "default";
        SecretNames.problem(name).ifPresent(p -> {
            throw invalid("namespace: " + p.replace("secret name", "namespace"));
        });
        return name;
    }

    private static io.grpc.StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
