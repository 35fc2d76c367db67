package dev.gantry.cli.commands;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Event;
import dev.gantry.api.v1.EventServiceGrpc;
import dev.gantry.api.v1.EventsRequest;
import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.Describe;
import dev.gantry.cli.output.OutputFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;

@Command(name = "events", description = {
        "Print cluster events as they happen, one line each, until interrupted (Ctrl-C exits 0): jobs submitted and "
                + "stopped, replicas placed, stopping and lost, task state changes (image pull progress and pull failures, "
                + "exits, OOM kills, restarts), readiness, nodes registered, down, cordoned or draining, placement "
                + "failures and rollouts.",
        "Only what happens after the command starts is shown. When the scheduler goes away it follows the next "
                + "address (a warning on stderr says so; events in between are missed); with none left it exits 4.",
        "Line format: TIME KIND NAMESPACE/JOB [ALLOC [TASK]] MESSAGE, or TIME KIND node NAME MESSAGE. "
                + "With -o json, one JSON object per line; with -o yaml, one document per event."})
public final class EventsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Option(names = "--job", paramLabel = "NAME", description = "Only events of this job (node events are left out).")
    String job;

    @Option(names = "--node", paramLabel = "NODE", description = "Only events on this node (id, id prefix or name).")
    String node;

    @Override
    public Integer call() {
        exitZeroOnInterrupt();
        EventsRequest request = EventsRequest.newBuilder().setNamespace(options.namespace())
                .setJob(job == null ? "" : job).setNode(node == null ? "" : node).build();
        try (SchedulerClient c = options.client()) {
            c.follow(ch -> EventServiceGrpc.newBlockingStub(ch).events(request),
                    e -> {
                        System.out.print(format(e, options.output()));
                        System.out.flush();
                    },
                    (from, why) -> System.err.println("warning: event stream from scheduler " + from + " ended (" + why
                            + "); following the next scheduler, events in between are not shown"));
        }
        return 0;   // not reached: follow returns only by an exception
    }

    /** Following is what the operator asked for, so Ctrl-C is success, not the JVM's 130. */
    @SuppressWarnings("sunapi")
    private static void exitZeroOnInterrupt() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> System.exit(0));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No SIGINT here (not a POSIX terminal): the JVM's default applies.
        }
    }

    static String format(Event e, OutputFormat format) {
        switch (format) {
            case json:
                try {
                    return JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace().print(e) + "\n";
                } catch (InvalidProtocolBufferException x) {
                    throw new IllegalStateException(x);
                }
            case yaml:
                return "---\n" + format.render(e, () -> "");
            default:
                return line(e);
        }
    }

    /** "2026-11-27T12:00:00.250Z  task.message       default/web 1a2b3c4d web  pulling docker.io/x:1: 12.3/50.1 MB" */
    static String line(Event e) {
        String time = Instant.ofEpochMilli(Timestamps.toMillis(e.getTime())).truncatedTo(ChronoUnit.MILLIS).toString();
        StringBuilder subject = new StringBuilder();
        if (e.getJob().isEmpty()) {
            subject.append("node ").append(e.getNodeName().isEmpty() ? Describe.shortId(e.getNodeId()) : e.getNodeName());
        } else {
            subject.append(e.getNamespace()).append('/').append(e.getJob());
            if (!e.getAllocationId().isEmpty()) subject.append(' ').append(Describe.shortId(e.getAllocationId()));
            if (!e.getTask().isEmpty()) subject.append(' ').append(e.getTask());
        }
        return String.format("%-24s  %-18s %s  %s%n", time, e.getKind(), subject, e.getMessage());
    }
}
