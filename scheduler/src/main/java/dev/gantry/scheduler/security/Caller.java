package dev.gantry.scheduler.security;

import dev.gantry.api.v1.AclToken;
import io.grpc.Context;

/**
 * Who made the current call, as the {@link Authenticator} established it; services read it with
 * {@link #current()} (for node authorization and audit events).
 */
public sealed interface Caller {
    Context.Key<Caller> KEY = Context.key("gantry-caller");

    /** The caller of the call running on this thread; {@link Anonymous} outside any call. */
    static Caller current() {
        Caller c = KEY.get();
        return c == null ? new Anonymous() : c;
    }

    /** How audit events and errors name the caller (never a secret). */
    String describe();

    /** No certificate of the cluster and no token. */
    record Anonymous() implements Caller {
        @Override
        public String describe() {
            return "anonymous";
        }
    }

    /** An agent, by its node certificate. */
    record Node(String id) implements Caller {
        @Override
        public String describe() {
            return "node " + id;
        }
    }

    /** Another scheduler replica, by its scheduler certificate. */
    record Scheduler() implements Caller {
        @Override
        public String describe() {
            return "scheduler";
        }
    }

    /** A person or pipeline, by an ACL token. */
    record TokenHolder(AclToken token) implements Caller {
        @Override
        public String describe() {
            return "token " + token.getAccessor() + (token.getDescription().isEmpty() ? "" : " (" + token.getDescription() + ")");
        }
    }
}
