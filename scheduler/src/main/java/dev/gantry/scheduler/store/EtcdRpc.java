package dev.gantry.scheduler.store;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The one path every etcd RPC of an {@link EtcdStore} takes, so that all share one rule:
 * <ul>
 * <li>each attempt must answer within the call deadline, else it fails with {@link TimeoutException}
 *     (a timed-out write may still have been applied: re-read before retrying it);</li>
 * <li>only idempotent calls (reads, keep-alive, revoke) are retried, and only when etcd was
 *     {@code UNAVAILABLE}, at most {@code maxAttempts} times in all, with doubling backoff;
 *     jetcd's own retries are switched off so that this is the only rule;</li>
 * <li>errors become the port's exceptions ({@link LeaseNotFoundException},
 *     {@link CompactedException}, {@link IllegalArgumentException}, {@link TimeoutException});
 *     anything else stays jetcd's {@link EtcdException};</li>
 * <li>futures complete on the store's executor, never on a gRPC or Vert.x event loop, so a
 *     caller's callback cannot stall etcd I/O.</li>
 * </ul>
 * Thread-safe.
 */
final class EtcdRpc {
    private final Duration deadline;
    private final int maxAttempts;
    private final Duration firstBackoff;
    private final Executor completions;
    /** Why etcd may not answer (a refused certificate, say), asked when a call times out; blocking. */
    private final Supplier<java.util.Optional<String>> whyNoAnswer;

    EtcdRpc(Duration deadline, int maxAttempts, Duration firstBackoff, Executor completions) {
        this(deadline, maxAttempts, firstBackoff, completions, java.util.Optional::empty);
    }

    EtcdRpc(Duration deadline, int maxAttempts, Duration firstBackoff, Executor completions,
            Supplier<java.util.Optional<String>> whyNoAnswer) {
        this.whyNoAnswer = whyNoAnswer;
        this.deadline = deadline;
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
        this.completions = completions;
    }

    /** A call that is safe to repeat: retried while etcd is unavailable. */
    <T> CompletableFuture<T> idempotent(String what, Supplier<CompletableFuture<T>> rpc) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(what, rpc, 1, maxAttempts, false, result);
        return result;
    }

    /** A call that must not be repeated blindly (a transaction, a lease grant). */
    <T> CompletableFuture<T> once(String what, Supplier<CompletableFuture<T>> rpc) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(what, rpc, 1, 1, false, result);
        return result;
    }

    private <T> void attempt(String what, Supplier<CompletableFuture<T>> rpc, int attempt, int attempts,
                             boolean loggedInAgain, CompletableFuture<T> result) {
        CompletableFuture<T> call;
        try {
            call = rpc.get();
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.orTimeout(deadline.toNanos(), TimeUnit.NANOSECONDS).whenCompleteAsync((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (!loggedInAgain && needsNewAuthToken(unwrap(error))) {
                // etcd forgot our auth token (it expired while idle, or etcd restarted). jetcd has
                // dropped it on seeing this error and logs in again on the next call. etcd checks the
                // token before it applies anything, so even a transaction is safe to send again, once.
                attempt(what, rpc, attempt, attempts, true, result);
            } else if (attempt < attempts && isUnavailable(unwrap(error))) {
                long backoff = firstBackoff.toMillis() << (attempt - 1);
                Executor later = CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS, completions);
                later.execute(() -> attempt(what, rpc, attempt + 1, attempts, loggedInAgain, result));
            } else {
                result.completeExceptionally(translate(what, unwrap(error)));
            }
        }, completions);
    }

    /**
     * Maps jetcd's and gRPC's errors to the port's exceptions. jetcd hands most server errors
     * over as plain {@link io.grpc.StatusRuntimeException}, some as {@link EtcdException}: both count.
     */
    Throwable translate(String what, Throwable error) {
        Status.Code code = codeOf(error);
        String message = String.valueOf(error.getMessage());
        if (error instanceof io.etcd.jetcd.common.exception.CompactedException compacted) {
            return withCause(new CompactedException(what + ": revision compacted through "
                    + compacted.getCompactedRevision()), error);
        }
        if (code == Status.Code.NOT_FOUND && message.contains("requested lease not found")) {
            return withCause(new LeaseNotFoundException(what + ": " + message), error);
        }
        if (code == Status.Code.INVALID_ARGUMENT) {
            return new IllegalArgumentException(what + ": " + message, error);
        }
        if (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED) {
            // jetcd wraps a failed login (wrong password) in a bare UNAUTHENTICATED: say what etcd said.
            return new IllegalStateException(what + ": etcd refused access (" + details(error) + ")", error);
        }
        if (error instanceof TimeoutException || code == Status.Code.DEADLINE_EXCEEDED) {
            String why = whyNoAnswer.get().map(w -> " (" + w + ")").orElse("");
            return withCause(new TimeoutException(what + ": no answer from etcd within " + deadline + why), error);
        }
        return error;
    }

    /** jetcd's own test (Errors.isInvalidTokenError / isAuthStoreExpired), on which it drops its token. */
    private static boolean needsNewAuthToken(Throwable error) {
        Status status = Status.fromThrowable(error);
        return io.etcd.jetcd.support.Errors.isInvalidTokenError(status) || io.etcd.jetcd.support.Errors.isAuthStoreExpired(status);
    }

    /** The descriptions along the cause chain, e.g. "UNAUTHENTICATED: authentication failed, invalid user ID or password". */
    private static String details(Throwable error) {
        StringBuilder out = new StringBuilder(Status.fromThrowable(error).getCode().name());
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String d = t instanceof io.grpc.StatusRuntimeException s ? s.getStatus().getDescription() : null;
            if (d != null && !d.isBlank()) out.append(": ").append(d.replace("etcdserver: ", ""));
        }
        return out.toString();
    }

    private static boolean isUnavailable(Throwable error) {
        return codeOf(error) == Status.Code.UNAVAILABLE;
    }

    private static Status.Code codeOf(Throwable error) {
        if (error instanceof EtcdException etcd) {
            return Status.Code.valueOf(etcd.getErrorCode().name());
        }
        return Status.fromThrowable(error).getCode();
    }

    static Throwable unwrap(Throwable error) {
        while ((error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    private static <E extends Throwable> E withCause(E error, Throwable cause) {
        error.initCause(cause);
        return error;
    }
}
