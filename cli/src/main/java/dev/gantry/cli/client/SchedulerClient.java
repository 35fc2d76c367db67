package dev.gantry.cli.client;

import dev.gantry.api.v1.AllocationServiceGrpc;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.NodeServiceGrpc;
import dev.gantry.api.v1.ListNodesRequest;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import dev.gantry.api.transport.Transport;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
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

    private final Transport transport;

    /** What to tell the user when a call is refused or cannot connect (how credentials were found); may be empty. */
    private final String hint;

    public SchedulerClient(List<String> addresses, Transport transport) {
        this(addresses, transport, "");
    }

    public SchedulerClient(List<String> addresses, Transport transport, String hint) {
        this.addresses = addresses.isEmpty() ? List.of(DEFAULT_ADDRESS) : List.copyOf(addresses);
        this.transport = transport;
        this.hint = hint == null ? "" : hint;
    }

    /** The transport this client's channels use, for the streams that a command opens itself. */
    public Transport transport() {
        return transport;
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

    /**
     * Follows a server stream (opened without a deadline) on a scheduler that answers, handing
     * each message to {@code each}, for as long as the caller wants: it returns only by an
     * exception. When the stream's scheduler goes away (the stream fails as unreachable or
     * cancelled, or the server ends it) it tells {@code onFailover} (the address left and why),
     * then opens the stream again on the next scheduler that answers; what was sent in between is
     * missed. When no scheduler answers: {@link CliException} with {@link ExitCodes#UNREACHABLE}.
     * A paused or cut-off scheduler is noticed by keepalive pings, within about 15 s.
     */
    public <T> void follow(Function<Channel, Iterator<T>> open, Consumer<? super T> each, BiConsumer<String, String> onFailover) {
        while (true) {
            // A unary call first finds an address that answers (or throws UNREACHABLE when none does); a
            // refusal (this caller may not list nodes) is an answer too.
            try {
                call(s -> s.nodes().list(ListNodesRequest.getDefaultInstance()));
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.DENIED) throw e;
            }
            String from = address();
            String why;
            try {
                Iterator<T> messages = open.apply(channel());
                while (messages.hasNext()) each.accept(messages.next());
                why = "the scheduler ended the stream";
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.CANCELLED) throw translate(e);
                why = e.getStatus().getDescription() == null ? code.name() : e.getStatus().getDescription();
            }
            switchAddress();
            onFailover.accept(from, why);
            try {
                Thread.sleep(200);   // no tight loop against a scheduler that answers calls but drops streams
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILURE, "interrupted");
            }
        }
    }

    /** Blocking stubs with a deadline, on the current address. */
    public record Stubs(JobServiceGrpc.JobServiceBlockingStub jobs,
                        AllocationServiceGrpc.AllocationServiceBlockingStub allocations,
                        NodeServiceGrpc.NodeServiceBlockingStub nodes,
                        dev.gantry.api.v1.SecretServiceGrpc.SecretServiceBlockingStub secrets,
                        dev.gantry.api.v1.AclServiceGrpc.AclServiceBlockingStub acl,
                        dev.gantry.api.v1.JoinTokenServiceGrpc.JoinTokenServiceBlockingStub joinTokens,
                        dev.gantry.api.v1.ClusterServiceGrpc.ClusterServiceBlockingStub cluster,
                        dev.gantry.api.v1.NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces) {
    }

    private ManagedChannel channel() {
        // Keepalive pings find a scheduler that stopped answering under a long-lived stream (the server permits 5 s).
        if (channel == null) {
            channel = transport.channel(addresses.get(current))
                    .keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(5, TimeUnit.SECONDS).build();
        }
        return channel;
    }

    private Stubs stubs() {
        ManagedChannel channel = channel();
        return new Stubs(
                JobServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                AllocationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                dev.gantry.api.v1.SecretServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                dev.gantry.api.v1.AclServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                dev.gantry.api.v1.JoinTokenServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                dev.gantry.api.v1.ClusterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
                dev.gantry.api.v1.NamespaceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
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
                    + "Set the address with --address or " + ENV + "." + (hint.isEmpty() ? "" : "\nNote: " + hint + "."));
            case UNAUTHENTICATED -> new CliException(ExitCodes.DENIED, "refused: " + desc + (hint.isEmpty() ? "" : "\nNote: " + hint + "."));
            case PERMISSION_DENIED -> new CliException(ExitCodes.DENIED, "not allowed: " + desc);
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
