package dev.gantry.scheduler.store;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary etcd RPC a gRPC deadline, so a call that cannot complete (etcd down, no
 * leader) is cancelled on the wire and not only abandoned by its future. Streams (watch,
 * keep-alive) are long-lived by design and get none.
 */
final class UnaryDeadlineInterceptor implements ClientInterceptor {
    private final long deadlineNanos;

    UnaryDeadlineInterceptor(Duration deadline) {
        this.deadlineNanos = deadline.toNanos();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (method.getType() == MethodDescriptor.MethodType.UNARY && options.getDeadline() == null) {
            options = options.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS);
        }
        return next.newCall(method, options);
    }
}
