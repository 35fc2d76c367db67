package dev.gantry.cli.commands;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationView;
import dev.gantry.api.v1.GetAllocationRequest;
import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.LogLine;
import dev.gantry.api.v1.LogsRequest;
import dev.gantry.api.v1.TaskServiceGrpc;
import dev.gantry.cli.client.CliException;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

@Command(name = "logs", description = "Print a task's output (stdout and stderr), read from the agent that runs it.")
public final class LogsCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Parameters(paramLabel = "ALLOC|JOB", description = "An allocation id (or a unique prefix of one), or a job name for all its replicas. With -o json or yaml, one JSON object per line.")
    String target;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until interrupted.")
    boolean follow;

    @Option(names = "--tail", defaultValue = "0", paramLabel = "N", description = "Only the last N lines (0: all).")
    int tail;

    @Option(names = "--task", description = "Which task of the allocation (default: the first).")
    String task;

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private record Source(Allocation allocation, String address) {
    }

    @Override
    public Integer call() throws InterruptedException {
        List<Source> sources;
        try (SchedulerClient c = options.client()) {
            sources = resolve(c);
        }
        if (sources.isEmpty()) throw new CliException(ExitCodes.NOT_FOUND, "job " + target + " has no allocations");
        boolean prefix = sources.size() > 1;
        List<Thread> readers = new ArrayList<>();
        List<CliException> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (Source s : sources) {
            Thread t = new Thread(() -> {
                try {
                    stream(s, prefix);
                } catch (CliException e) {
                    failures.add(e);
                }
            });
            t.setDaemon(true);
            t.start();
            readers.add(t);
        }
        for (Thread t : readers) t.join();
        if (!failures.isEmpty()) throw failures.get(0);
        return 0;
    }

    /** The allocations to follow; their logs come through the scheduler that answered (it relays them from the agents). */
    private List<Source> resolve(SchedulerClient c) {
        try {
            AllocationView v = c.call(s -> s.allocations().get(GetAllocationRequest.newBuilder().setId(target).build()));
            return List.of(new Source(v.getAllocation(), c.address()));
        } catch (CliException e) {
            if (e.exitCode() != ExitCodes.NOT_FOUND) throw e;
        }
        JobStatusView job;
        try {
            job = c.call(s -> s.jobs().get(GetJobRequest.newBuilder().setNamespace(options.namespace()).setName(target).build()));
        } catch (CliException e) {
            if (e.exitCode() == ExitCodes.NOT_FOUND) {
                throw new CliException(ExitCodes.NOT_FOUND, "no allocation or job named " + target);
            }
            throw e;
        }
        return job.getAllocationsList().stream()
                .filter(a -> a.getDesiredStatus() == dev.gantry.api.v1.DesiredStatus.DESIRED_RUN)
                .map(a -> new Source(a, c.address())).toList();
    }

    private void stream(Source s, boolean prefix) {
        ManagedChannel ch = options.transport().channel(s.address()).build();
        try {
            Iterator<LogLine> lines = TaskServiceGrpc.newBlockingStub(ch).logs(LogsRequest.newBuilder()
                    .setAllocationId(s.allocation().getId()).setTask(task == null ? "" : task)
                    .setFollow(follow).setTail(tail).build());
            String p = prefix ? "[" + s.allocation().getIndex() + "] " : "";
            boolean structured = options.output() != dev.gantry.cli.output.OutputFormat.table;
            while (lines.hasNext()) {
                LogLine l = lines.next();
                synchronized (LogsCommand.class) {
                    if (structured) {
                        // One JSON object per line (with the allocation), so `-f -o json` streams.
                        System.out.println(JSON.createObjectNode().put("allocation", s.allocation().getId())
                                .put("index", s.allocation().getIndex()).put("time", l.getTime())
                                .put("stream", l.getStream()).put("line", l.getLine()));
                    } else {
                        ("stderr".equals(l.getStream()) ? System.err : System.out).println(p + l.getLine());
                    }
                }
            }
        } catch (StatusRuntimeException e) {
            var code = e.getStatus().getCode();
            throw new CliException(code == io.grpc.Status.Code.NOT_FOUND ? ExitCodes.NOT_FOUND
                    : code == io.grpc.Status.Code.PERMISSION_DENIED || code == io.grpc.Status.Code.UNAUTHENTICATED ? ExitCodes.DENIED
                    : ExitCodes.UNREACHABLE,
                    "logs of allocation " + s.allocation().getId() + " (through " + s.address() + "): "
                            + (e.getStatus().getDescription() == null ? e.getStatus().getCode() : e.getStatus().getDescription()));
        } finally {
            ch.shutdownNow();
        }
    }
}
