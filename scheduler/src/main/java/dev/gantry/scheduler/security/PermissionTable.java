package dev.gantry.scheduler.security;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.gantry.api.v1.AclServiceGrpc;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.AllocationServiceGrpc;
import dev.gantry.api.v1.ClusterServiceGrpc;
import dev.gantry.api.v1.EventServiceGrpc;
import dev.gantry.api.v1.GetAllocationRequest;
import dev.gantry.api.v1.GetNamespaceRequest;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.JoinTokenServiceGrpc;
import dev.gantry.api.v1.LogsRequest;
import dev.gantry.api.v1.NamespaceServiceGrpc;
import dev.gantry.api.v1.NodeServiceGrpc;
import dev.gantry.api.v1.SecretServiceGrpc;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.TaskServiceGrpc;
import io.grpc.MethodDescriptor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of who may call what: every RPC method the scheduler serves has exactly one
 * {@link Rule} here, and a method without one is refused (default deny). A test walks every
 * service the scheduler registers and fails on a method missing from this table, so a new RPC
 * cannot ship unprotected.
 */
public final class PermissionTable {
    /** What {@link Rule.NamespaceOf} returns for a request over every namespace. */
    public static final String ALL_NAMESPACES = "*";
    public static final String DEFAULT_NAMESPACE = "default";

    private static final String REFLECTION_V1 = "grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
    private static final String REFLECTION_V1ALPHA = "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

    private final Map<String, Rule> rules = new HashMap<>();
    /** Methods that change something: each call is recorded in the audit trail. */
    private final java.util.Set<String> audited = new java.util.HashSet<>();

    private PermissionTable() {
    }

    /** The scheduler's table. */
    public static PermissionTable scheduler() {
        PermissionTable t = new PermissionTable();
        Rule.NamespaceOf named = PermissionTable::namespaceField;
        Rule.NamespaceOf namedOrAll = PermissionTable::namespaceFieldOrAll;
        Rule.NamespaceOf ofJob = (r, l) -> orDefault(((SubmitJobRequest) r).getJob().getNamespace());

        t.put(JobServiceGrpc.getSubmitMethod(), new Rule.InNamespace(Capability.SUBMIT, ofJob));
        t.put(JobServiceGrpc.getPlanMethod(), new Rule.InNamespace(Capability.SUBMIT, ofJob));
        t.put(JobServiceGrpc.getGetMethod(), new Rule.InNamespace(Capability.READ, named));
        t.put(JobServiceGrpc.getListMethod(), new Rule.InNamespace(Capability.READ, namedOrAll));
        t.put(JobServiceGrpc.getStopMethod(), new Rule.InNamespace(Capability.OPERATE, named));
        t.put(JobServiceGrpc.getEndpointsMethod(), new Rule.InNamespace(Capability.READ, named));
        t.put(JobServiceGrpc.getWatchEndpointsMethod(), new Rule.InNamespace(Capability.READ, named));
        t.put(JobServiceGrpc.getRolloutMethod(), new Rule.InNamespace(Capability.READ, named));
        t.put(JobServiceGrpc.getPauseRolloutMethod(), new Rule.InNamespace(Capability.OPERATE, named));
        t.put(JobServiceGrpc.getResumeRolloutMethod(), new Rule.InNamespace(Capability.OPERATE, named));
        t.put(JobServiceGrpc.getPromoteRolloutMethod(), new Rule.InNamespace(Capability.OPERATE, named));
        t.put(JobServiceGrpc.getHistoryMethod(), new Rule.InNamespace(Capability.READ, named));
        t.put(JobServiceGrpc.getUndoMethod(), new Rule.InNamespace(Capability.OPERATE, named));

        t.put(AllocationServiceGrpc.getListMethod(), new Rule.InNamespace(Capability.READ, namedOrAll));
        t.put(AllocationServiceGrpc.getGetMethod(), new Rule.InNamespace(Capability.READ,
                (r, l) -> l.ofAllocation(((GetAllocationRequest) r).getId())));
        t.put(TaskServiceGrpc.getLogsMethod(), new Rule.InNamespace(Capability.LOGS,
                (r, l) -> l.ofAllocation(((LogsRequest) r).getAllocationId())));

        t.put(EventServiceGrpc.getEventsMethod(), new Rule.InNamespace(Capability.READ, namedOrAll));

        t.put(SecretServiceGrpc.getPutMethod(), new Rule.InNamespace(Capability.SECRETS, named));
        t.put(SecretServiceGrpc.getListMethod(), new Rule.InNamespace(Capability.SECRETS, named));
        t.put(SecretServiceGrpc.getDeleteMethod(), new Rule.InNamespace(Capability.SECRETS, named));

        // Namespace settings widen what a namespace's jobs may do (privileged opt-outs): only management changes them.
        t.put(NamespaceServiceGrpc.getGetMethod(), new Rule.InNamespace(Capability.READ,
                (r, l) -> orDefault(((GetNamespaceRequest) r).getName())));
        t.put(NamespaceServiceGrpc.getListMethod(), new Rule.InNamespace(Capability.READ, (r, l) -> ALL_NAMESPACES));
        t.put(NamespaceServiceGrpc.getUpdateMethod(), new Rule.Management());

        t.put(NodeServiceGrpc.getListMethod(), new Rule.Cluster(Capability.NODE_READ));
        t.put(NodeServiceGrpc.getCordonMethod(), new Rule.Cluster(Capability.NODE_WRITE));
        t.put(NodeServiceGrpc.getUncordonMethod(), new Rule.Cluster(Capability.NODE_WRITE));
        t.put(NodeServiceGrpc.getDrainMethod(), new Rule.Cluster(Capability.NODE_WRITE));

        t.put(AgentServiceGrpc.getConnectMethod(), new Rule.NodeOnly());
        t.put(ClusterServiceGrpc.getJoinMethod(), new Rule.Public());
        t.put(ClusterServiceGrpc.getRenewCertificateMethod(), new Rule.NodeOnly());
        t.put(ClusterServiceGrpc.getRemoveNodeMethod(), new Rule.Cluster(Capability.NODE_WRITE));

        t.put(JoinTokenServiceGrpc.getCreateMethod(), new Rule.Cluster(Capability.NODE_WRITE));
        t.put(JoinTokenServiceGrpc.getListMethod(), new Rule.Cluster(Capability.NODE_READ));
        t.put(JoinTokenServiceGrpc.getRevokeMethod(), new Rule.Cluster(Capability.NODE_WRITE));

        t.put(AclServiceGrpc.getBootstrapMethod(), new Rule.Public());
        t.put(AclServiceGrpc.getApplyPolicyMethod(), new Rule.Cluster(Capability.ACL_WRITE));
        t.put(AclServiceGrpc.getListPoliciesMethod(), new Rule.Cluster(Capability.ACL_WRITE));
        t.put(AclServiceGrpc.getDeletePolicyMethod(), new Rule.Cluster(Capability.ACL_WRITE));
        t.put(AclServiceGrpc.getCreateTokenMethod(), new Rule.Cluster(Capability.ACL_WRITE));
        t.put(AclServiceGrpc.getListTokensMethod(), new Rule.Cluster(Capability.ACL_WRITE));
        t.put(AclServiceGrpc.getRevokeTokenMethod(), new Rule.Cluster(Capability.ACL_WRITE));
        t.put(AclServiceGrpc.getWhoAmIMethod(), new Rule.Authenticated());

        for (MethodDescriptor<?, ?> m : List.<MethodDescriptor<?, ?>>of(
                JobServiceGrpc.getSubmitMethod(), JobServiceGrpc.getStopMethod(), JobServiceGrpc.getPauseRolloutMethod(),
                JobServiceGrpc.getResumeRolloutMethod(), JobServiceGrpc.getPromoteRolloutMethod(), JobServiceGrpc.getUndoMethod(),
                SecretServiceGrpc.getPutMethod(), SecretServiceGrpc.getDeleteMethod(), NamespaceServiceGrpc.getUpdateMethod(),
                NodeServiceGrpc.getCordonMethod(), NodeServiceGrpc.getUncordonMethod(), NodeServiceGrpc.getDrainMethod(),
                ClusterServiceGrpc.getJoinMethod(), ClusterServiceGrpc.getRenewCertificateMethod(), ClusterServiceGrpc.getRemoveNodeMethod(),
                JoinTokenServiceGrpc.getCreateMethod(), JoinTokenServiceGrpc.getRevokeMethod(),
                AclServiceGrpc.getBootstrapMethod(), AclServiceGrpc.getApplyPolicyMethod(), AclServiceGrpc.getDeletePolicyMethod(),
                AclServiceGrpc.getCreateTokenMethod(), AclServiceGrpc.getRevokeTokenMethod())) {
            t.audited.add(m.getFullMethodName());
        }
        t.rules.put(REFLECTION_V1, new Rule.Management());
        t.rules.put(REFLECTION_V1ALPHA, new Rule.Management());
        return t;
    }

    private void put(MethodDescriptor<?, ?> method, Rule rule) {
        if (rules.putIfAbsent(method.getFullMethodName(), rule) != null) {
            throw new IllegalStateException("two permission entries for " + method.getFullMethodName());
        }
    }

    /** The rule of a full method name ({@code gantry.v1.JobService/Submit}); empty: none, so refused. */
    public Optional<Rule> rule(String fullMethodName) {
        return Optional.ofNullable(rules.get(fullMethodName));
    }

    /** Whether calls of this method change something, so that each is recorded in the audit trail. */
    public boolean isAudited(String fullMethodName) {
        return audited.contains(fullMethodName);
    }

    static String orDefault(String namespace) {
        return namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
    }

    /** The request's {@code namespace} field; empty is the default namespace. */
    private static String namespaceField(Message request, Rule.NamespaceLookup lookup) {
        return orDefault(stringField(request, "namespace"));
    }

    /** The request's {@code namespace} field; empty means every namespace (list and watch calls). */
    private static String namespaceFieldOrAll(Message request, Rule.NamespaceLookup lookup) {
        String ns = stringField(request, "namespace");
        return ns.isEmpty() ? ALL_NAMESPACES : ns;
    }

    private static String stringField(Message request, String name) {
        FieldDescriptor f = request.getDescriptorForType().findFieldByName(name);
        if (f == null || f.getJavaType() != FieldDescriptor.JavaType.STRING || f.isRepeated()) {
            throw new IllegalStateException(request.getDescriptorForType().getFullName() + " has no string field " + name);
        }
        return (String) request.getField(f);
    }
}
