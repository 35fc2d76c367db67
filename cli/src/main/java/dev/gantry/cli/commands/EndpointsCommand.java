package dev.gantry.cli.commands;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.gantry.api.v1.Endpoint;
import dev.gantry.api.v1.EndpointsRequest;
import dev.gantry.api.v1.EndpointsResponse;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.cli.client.CliException;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Describe;
import dev.gantry.cli.output.OutputFormat;
import dev.gantry.cli.output.Table;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "endpoints", description = "List the address and ports of every healthy replica of a job "
        + "(running, and passing its readiness checks): where to send traffic.")
public final class EndpointsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Parameters(paramLabel = "JOB", description = "The job's name.")
    String job;

    @Option(names = {"-w", "--watch"}, description = "Keep printing the whole list again whenever it changes, until interrupted. "
            + "With -o json, one JSON object per line; with -o yaml, one document per change.")
    boolean watch;

    @Override
    public Integer call() {
        EndpointsRequest request = EndpointsRequest.newBuilder().setNamespace(options.namespace()).setJob(job).build();
        try (SchedulerClient c = options.client()) {
            // The unary call first: it finds a scheduler that answers and says NOT_FOUND for an unknown job.
            EndpointsResponse now = c.call(s -> s.jobs().endpoints(request));
            if (!watch) {
                System.out.print(options.output().render(now, () -> render(now)));
                return 0;
            }
            follow(c.address(), request);
            return 0;
        }
    }

    /** Streams without a deadline (the client's stubs have one); ends when the scheduler ends the stream. */
    private void follow(String address, EndpointsRequest request) {
        ManagedChannel ch = options.transport().channel(address).build();
        try {
            Iterator<EndpointsResponse> updates = JobServiceGrpc.newBlockingStub(ch).watchEndpoints(request);
            while (updates.hasNext()) {
                System.out.print(watchFrame(updates.next(), options.output()));
                System.out.flush();
            }
        } catch (StatusRuntimeException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "watching endpoints at " + address + " ended: "
                    + (e.getStatus().getDescription() == null ? e.getStatus().getCode() : e.getStatus().getDescription()));
        } finally {
            ch.shutdownNow();
        }
    }

    static String watchFrame(EndpointsResponse r, OutputFormat format) {
        switch (format) {
            case json:
                try {
                    return JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace().print(r) + "\n";
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                }
            case yaml:
                return "---\n" + format.render(r, () -> "");
            default:
                return "# " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  " + r.getEndpointsCount()
                        + " healthy\n" + render(r) + "\n";
        }
    }

    static String render(EndpointsResponse r) {
        Table t = new Table("ALLOC", "REPLICA", "ADDRESS", "PORTS");
        for (Endpoint e : r.getEndpointsList()) {
            t.row(Describe.shortId(e.getAllocationId()), e.getIndex(), e.getAddress(),
                    e.getPortsList().stream().map(Describe::port).collect(Collectors.joining(",")));
        }
        return t.isEmpty() ? "no healthy replicas\n" : t.render();
    }
}
