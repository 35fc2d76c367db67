package dev.gantry.agent.logs;

import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.LogsRequest;
import dev.gantry.api.v1.TaskServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.stream.Stream;

/**
 * Serves task logs from this agent's log files: the last lines, then (with follow) new lines
 * as they are written, until the client goes away. Logs stay readable after a task stops.
 */
public final class LogServiceImpl extends TaskServiceGrpc.TaskServiceImplBase {
    private static final Duration POLL = Duration.ofMillis(200);

    private final LocalState local;
    private final ScheduledExecutorService followers = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "log-follow");
        t.setDaemon(true);
        return t;
    });

    public LogServiceImpl(LocalState local) {
        this.local = local;
    }

    @Override
    public void logs(LogsRequest request, StreamObserver<dev.gantry.api.v1.LogLine> out) {
        Path file;
        try {
            file = logFile(request.getAllocationId(), request.getTask());
        } catch (IllegalArgumentException e) {
            out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IOException e) {
            out.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
            return;
        }
        int tail = request.getTail() > 0 ? request.getTail() : Integer.MAX_VALUE;
        try {
            if (!request.getFollow()) {
                for (LogLine l : LogFile.tail(file, tail)) out.onNext(toProto(l));
                out.onCompleted();
                return;
            }
            var call = (ServerCallStreamObserver<dev.gantry.api.v1.LogLine>) out;
            ScheduledFuture<?> f = LogFile.follow(file, tail, l -> {
                synchronized (call) {
                    if (!call.isCancelled()) call.onNext(toProto(l));
                }
            }, POLL, followers);
            call.setOnCancelHandler(() -> f.cancel(false));
        } catch (IOException e) {
            out.onError(Status.INTERNAL.withDescription("reading " + file + ": " + e).asRuntimeException());
        }
    }

    /** The task's log file; without a task name, the allocation's only task (or an error naming the choices). */
    private Path logFile(String allocId, String task) throws IOException {
        if (allocId.isEmpty() || allocId.contains("/") || allocId.contains("..")) {
            throw new IllegalArgumentException("invalid allocation id \"" + allocId + "\"");
        }
        Path dir = local.allocDir(allocId);
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("allocation " + allocId + " has no logs on this node");
        if (!task.isEmpty()) {
            if (task.contains("/") || task.contains("..")) throw new IllegalArgumentException("invalid task name \"" + task + "\"");
            return local.logPath(allocId, task);
        }
        List<Path> logs;
        try (Stream<Path> s = Files.list(dir)) {
            logs = s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        if (logs.isEmpty()) throw new IllegalArgumentException("allocation " + allocId + " has not written any logs yet");
        if (logs.size() > 1) {
            throw new IllegalArgumentException("allocation " + allocId + " has several tasks ("
                    + String.join(", ", logs.stream().map(p -> p.getFileName().toString().replace(".log", "")).toList())
                    + "): choose one with --task");
        }
        return logs.get(0);
    }

    private static dev.gantry.api.v1.LogLine toProto(LogLine l) {
        return dev.gantry.api.v1.LogLine.newBuilder().setTime(l.time() == null ? "" : l.time().toString())
                .setStream(l.stream().label()).setLine(l.text()).build();
    }
}
