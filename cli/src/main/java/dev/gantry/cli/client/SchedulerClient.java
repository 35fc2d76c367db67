package dev.gantry.cli.client;

import dev.gantry.api.v1.AllocationServiceGrpc;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.NodeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The CLI's connection to the schedulers: tries each address in turn until one answers,
 * and turns gRPC failures into {@link CliException}s with exit codes and plain messages.
 */
public final class SchedulerClient implements AutoCloseable {
    public static final String DEFAULT_ADDRESS = "127.0.0.1:7420";
    public static final String ENV = "GANTRY_ADDR";
    private static final long DEADLINE_SECONDS = 15;

    private final List<String> addresses;
    private ManagedChannel channel;
    private int current;

    public SchedulerClient(List<String> addresses) {
        this.addresses = addresses.isEmpty() ? List.of(DEFAULT_ADDRESS) : List.copyOf(addresses);
    }

    /**
     * Runs one call, failing over to the next address when a scheduler is unreachable or does
     * not answer in time (a paused or partitioned replica accepts connections but never
     * replies). The calls are safe to repeat (reads, and writes that are no-ops once applied),
     * except `rollout undo`: a replica that answered too late may have applied it, and a second
     * one then makes one more version of the same spec.
     */
    public <T> T call(Function<Stubs, T> rpc) {
        StatusRuntimeException last = null;
        for (int i = 0; i < addresses.size(); i++) {
            try {
                return rpc.apply(stubs());
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) throw translate(e);
                last = e;
                switchAddress();
            }
        }
        throw translate(last);
    }

    public String address() {
        return addresses.get(current);
    }

    /** Blocking stubs with a deadline, on the current address. */
    public record Stubs(JobServiceGrpc.JobServiceBlockingStub jobs,
                        AllocationServiceGrpc.AllocationServiceBlockingStub allocations,
                        NodeServiceGrpc.NodeServiceBlockingStub nodes) {
    }

    private Stubs stubs() {
        if (channel == null) channel = NettyChannelBuilder.forTarget(addresses.get(current)).usePlaintext().build();
        return new Stubs(
                JobServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                AllocationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
    }

    private void switchAddress() {
        if (channel != null) channel.shutdownNow();
        channel = null;
        current = (current + 1) % addresses.size();
    }

    private CliException translate(StatusRuntimeException e) {
        String desc = e.getStatus().getDescription() == null ? e.getStatus().getCode().name() : e.getStatus().getDescription();
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE -> new CliException(ExitCodes.UNREACHABLE, "cannot reach a scheduler at "
                    + String.join(", ", addresses) + " (" + desc + ").\nIs `gantry dev` or `gantry scheduler` running? "
                    + "Set the address with --address or " + ENV + ".");
            case DEADLINE_EXCEEDED -> new CliException(ExitCodes.UNREACHABLE, "the scheduler at " + address()
                    + " did not answer within " + DEADLINE_SECONDS + "s");
            case NOT_FOUND -> new CliException(ExitCodes.NOT_FOUND, desc);
            case INVALID_ARGUMENT -> new CliException(ExitCodes.USAGE, desc);
            default -> new CliException(ExitCodes.FAILURE, "scheduler error (" + e.getStatus().getCode() + "): " + desc);
        };
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdownNow();
            try {
                channel.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
