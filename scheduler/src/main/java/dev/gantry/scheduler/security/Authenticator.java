package dev.gantry.scheduler.security;

import com.google.protobuf.Message;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.security.PeerIdentity;
import dev.gantry.api.transport.Transport;
import dev.gantry.api.v1.AclToken;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * Authenticates every call on the scheduler's port and enforces the {@link PermissionTable}:
 * a node or scheduler certificate (checked by TLS against the cluster CA) or an ACL bearer token
 * names the caller, put in the call's {@link Caller#KEY}; the method's rule then lets it through,
 * refuses it (UNAUTHENTICATED without credentials, PERMISSION_DENIED with too few), or waits for
 * the request to learn the namespace. Malformed credentials are refused, never thrown.
 */
public final class Authenticator implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
    private static final int MAX_HEADER = 512;

    private final PermissionTable table;
    private final SecurityRecords records;
    private final Rule.NamespaceLookup lookup;
    private final Clock clock;
    /** Null: nothing is audited. */
    private final AuditLog audit;

    public Authenticator(PermissionTable table, SecurityRecords records, Rule.NamespaceLookup lookup, Clock clock, AuditLog audit) {
        this.table = table;
        this.records = records;
        this.lookup = lookup;
        this.clock = clock;
        this.audit = audit;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> original, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = original.getMethodDescriptor().getFullMethodName();
        Optional<Rule> rule = table.rule(method);
        if (rule.isEmpty()) {
            return refuse(original, Status.PERMISSION_DENIED.withDescription("no permission is defined for " + method));
        }
        AuditedCall<Q, R> audited = audit != null && table.isAudited(method) ? new AuditedCall<>(original) : null;
        ServerCall<Q, R> call = audited != null ? audited : original;
        Caller caller;
        try {
            caller = authenticate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), headers);
        } catch (Refusal r) {
            return refuse(call, r.status);
        } catch (RuntimeException e) {
            log.warn("cannot authenticate a call to {}: {}", method, e.toString());
            return refuse(call, Status.UNAVAILABLE.withDescription("cannot check credentials now: " + e.getMessage()));
        }
        if (audited != null) audited.caller = caller;
        Context context = Context.current().withValue(Caller.KEY, caller);
        if (rule.get() instanceof Rule.InNamespace ns) {
            if (caller instanceof Caller.Anonymous) return refuse(call, unauthenticated());
            if (!(caller instanceof Caller.TokenHolder)) {
                return refuse(call, Status.PERMISSION_DENIED.withDescription(caller.describe() + " may not call " + method));
            }
            return new NamespaceCheck<>(call, Contexts.interceptCall(context, call, headers, next), ns, caller);
        }
        Status denied = decide(rule.get(), caller, method);
        if (denied != null) return refuse(call, denied);
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** Null when allowed. */
    private Status decide(Rule rule, Caller caller, String method) {
        if (rule instanceof Rule.Public) return null;
        if (caller instanceof Caller.Anonymous) return unauthenticated();
        boolean ok;
        String what = "";
        if (rule instanceof Rule.Authenticated) {
            ok = true;
        } else if (rule instanceof Rule.NodeOnly) {
            ok = caller instanceof Caller.Node;
            what = " (agents only, with their node certificate)";
        } else if (rule instanceof Rule.Management) {
            ok = caller instanceof Caller.TokenHolder t && t.token().getManagement();
            what = " (management tokens only)";
        } else if (rule instanceof Rule.Cluster c) {
            ok = caller instanceof Caller.TokenHolder t
                    && Policies.allows(t.token(), records::policy, c.capability(), PermissionTable.ALL_NAMESPACES);
            what = " (needs " + c.capability().spelled() + ")";
        } else {
            ok = false;
        }
        if (ok) return null;
        return Status.PERMISSION_DENIED.withDescription(caller.describe() + " may not call " + method + what);
    }

    private static Status unauthenticated() {
        return Status.UNAUTHENTICATED.withDescription(
                "this call needs credentials: an ACL token (GANTRY_TOKEN, or the CLI config) or a node certificate");
    }

    private Caller authenticate(SSLSession session, Metadata headers) throws Refusal {
        Optional<X509Certificate> cert = PeerIdentity.peerCertificate(session);
        if (cert.isPresent()) {
            Optional<String> node = PeerIdentity.nodeId(cert.get());
            if (node.isPresent()) {
                if (records.isRevoked(node.get())) {
                    throw new Refusal(Status.UNAUTHENTICATED.withDescription("node " + node.get() + " was removed from the cluster"));
                }
                return new Caller.Node(node.get());
            }
            if (PeerIdentity.isScheduler(cert.get())) return new Caller.Scheduler();
        }
        Iterable<String> values = headers.getAll(Transport.AUTHORIZATION);
        if (values == null) return new Caller.Anonymous();
        String value = null;
        for (String v : values) {
            if (value != null) throw new Refusal(Status.UNAUTHENTICATED.withDescription("more than one authorization header"));
            value = v;
        }
        if (value == null || value.length() > MAX_HEADER || !value.startsWith(Transport.BEARER)) {
            throw new Refusal(Status.UNAUTHENTICATED.withDescription("the authorization header is not 'Bearer <ACL token>'"));
        }
        String secret = value.substring(Transport.BEARER.length()).trim();
        if (!AclSecrets.wellFormed(secret)) {
            throw new Refusal(Status.UNAUTHENTICATED.withDescription("the ACL token is malformed"));
        }
        AclToken token = records.aclToken(AclSecrets.hashHex(secret))
                .orElseThrow(() -> new Refusal(Status.UNAUTHENTICATED.withDescription("the ACL token is unknown or revoked")));
        if (token.hasExpireTime() && Timestamps.toMillis(token.getExpireTime()) <= clock.millis()) {
            throw new Refusal(Status.UNAUTHENTICATED.withDescription("the ACL token " + token.getAccessor() + " has expired"));
        }
        return new Caller.TokenHolder(token);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    /** Records the call in the audit trail when it ends, however it ends. */
    private final class AuditedCall<Q, R> extends io.grpc.ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        volatile Caller caller = new Caller.Anonymous();
        volatile String namespace = "";

        AuditedCall(ServerCall<Q, R> delegate) {
            super(delegate);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            try {
                audit.record(dev.gantry.api.v1.AuditRecord.newBuilder()
                        .setTime(Timestamps.fromMillis(clock.millis()))
                        .setCaller(caller.describe())
                        .setMethod(getMethodDescriptor().getFullMethodName())
                        .setNamespace(namespace)
                        .setResult(status.getCode().name())
                        .setMessage(status.getDescription() == null || status.isOk() ? "" : truncate(status.getDescription()))
                        .build());
            } catch (RuntimeException e) {
                log.warn("cannot record an audit record: {}", e.toString());
            }
            super.close(status, trailers);
        }

        private static String truncate(String s) {
            return s.length() > 300 ? s.substring(0, 300) + "..." : s;
        }
    }

    private static final class Refusal extends Exception {
        final Status status;

        Refusal(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }
    }

    /** Holds the call until its first request names the namespace, then lets it through or refuses it. */
    private final class NamespaceCheck<Q, R> extends ServerCall.Listener<Q> {
        private final ServerCall<Q, R> call;
        private final ServerCall.Listener<Q> delegate;
        private final Rule.InNamespace rule;
        private final Caller caller;
        private boolean decided;
        private boolean refused;

        NamespaceCheck(ServerCall<Q, R> call, ServerCall.Listener<Q> delegate, Rule.InNamespace rule, Caller caller) {
            this.call = call;
            this.delegate = delegate;
            this.rule = rule;
            this.caller = caller;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) return;
            if (!decided) {
                decided = true;
                String method = call.getMethodDescriptor().getFullMethodName();
                String namespace;
                try {
                    namespace = rule.namespace().of((Message) message, lookup);
                } catch (RuntimeException e) {
                    refused = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription("cannot read the request's namespace"), new Metadata());
                    return;
                }
                if (call instanceof AuditedCall<?, ?> a) {
                    a.namespace = namespace == null || PermissionTable.ALL_NAMESPACES.equals(namespace) ? "" : namespace;
                }
                AclToken token = ((Caller.TokenHolder) caller).token();
                // An unknown object (null namespace): allowed through when the token may do this anywhere, so the
                // service says NOT_FOUND; else PERMISSION_DENIED, which reveals nothing either way.
                boolean ok = namespace == null
                        ? Policies.allows(token, records::policy, rule.capability(), PermissionTable.ALL_NAMESPACES)
                        : Policies.allows(token, records::policy, rule.capability(), namespace);
                if (!ok) {
                    refused = true;
                    String where = namespace == null ? "" : PermissionTable.ALL_NAMESPACES.equals(namespace)
                            ? " across all namespaces" : " in namespace \"" + namespace + "\"";
                    call.close(Status.PERMISSION_DENIED.withDescription(caller.describe() + " may not "
                            + rule.capability().spelled() + where + " (" + method + ")"), new Metadata());
                    return;
                }
            }
            delegate.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (!refused) delegate.onHalfClose();
        }

        @Override
        public void onCancel() {
            delegate.onCancel();
        }

        @Override
        public void onComplete() {
            delegate.onComplete();
        }

        @Override
        public void onReady() {
            if (!refused) delegate.onReady();
        }
    }
}
