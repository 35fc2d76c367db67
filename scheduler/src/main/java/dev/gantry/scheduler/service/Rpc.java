package dev.gantry.scheduler.service;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * One way to answer a unary call: run the body, map failures to gRPC statuses, never let an
 * exception escape into the transport (a bad request must not crash or wedge the server).
 */
final class Rpc {
    private static final Logger log = LoggerFactory.getLogger(Rpc.class);

    interface Body<T> {
        T call() throws Exception;
    }

    private Rpc() {
    }

    static <T> void unary(StreamObserver<T> out, Body<T> body) {
        T result;
        try {
            result = body.call();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (TimeoutException e) {
            out.onError(Status.UNAVAILABLE.withDescription("state store did not answer in time").asRuntimeException());
            return;
        } catch (ExecutionException e) {
            log.warn("request failed", e);
            out.onError(Status.UNAVAILABLE.withDescription("state store error: " + e.getCause()).asRuntimeException());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(Status.CANCELLED.asRuntimeException());
            return;
        } catch (Exception e) {
            log.error("request failed", e);
            out.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    static StatusRuntimeException notFound(String what) {
        return Status.NOT_FOUND.withDescription(what).asRuntimeException();
    }
}
