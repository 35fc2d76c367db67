package dev.gantry.agent.security;

import dev.gantry.api.security.PeerIdentity;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The agent's own port answers scheduler replicas only (they relay `gantry logs` after checking
 * the caller's ACL token): TLS has already checked that the peer's certificate is the cluster
 * CA's; this checks that it is a scheduler's, not another node's.
 */
public final class SchedulersOnly implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        boolean scheduler = PeerIdentity.peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))
                .map(PeerIdentity::isScheduler).orElse(false);
        if (!scheduler) {
            call.close(Status.PERMISSION_DENIED.withDescription("the agent's port answers the cluster's schedulers only; "
                    + "use `gantry logs` against a scheduler"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }
}
