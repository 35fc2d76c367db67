package dev.gantry.scheduler.service;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.spec.FieldError;
import dev.gantry.api.spec.JobDefaults;
import dev.gantry.api.spec.JobValidator;
import dev.gantry.api.v1.EndpointsRequest;
import dev.gantry.api.v1.EndpointsResponse;
import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.ListJobsRequest;
import dev.gantry.api.v1.ListJobsResponse;
import dev.gantry.api.v1.PlanResponse;
import dev.gantry.api.v1.StopJobRequest;
import dev.gantry.api.v1.StopJobResponse;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.SubmitJobResponse;
import dev.gantry.scheduler.state.AtomicUpdate;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Store;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Jobs: submit (validated again here, since clients cannot be trusted), its dry run (plan), read,
 * list, stop, and the service catalog of a job's healthy replicas ({@link EndpointCatalog}).
 */
public final class JobServiceImpl extends JobServiceGrpc.JobServiceImplBase {
    private final ClusterState state;
    private final Store store;
    private final Keys keys;
    private final Clock clock;
    private final EndpointWatches endpointWatches;
    private final Planner planner;

    public JobServiceImpl(ClusterState state, Store store, Keys keys, Clock clock) {
        this.state = state;
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        this.endpointWatches = new EndpointWatches(state);
        this.planner = new Planner(keys, clock);
    }

    @Override
    public void submit(SubmitJobRequest request, StreamObserver<SubmitJobResponse> out) {
        Rpc.unary(out, () -> {
            Job spec = validated(request.getJob());
            var result = AtomicUpdate.apply(store, keys.job(spec.getNamespace(), spec.getName()), Job.parser(),
                    current -> next(current, spec));
            state.awaitRevision(result.revision()).get(10, TimeUnit.SECONDS);
            return SubmitJobResponse.newBuilder().setJob(result.value().orElseThrow()).setChanged(result.written()).build();
        });
    }

    /** Submit without the write: validation and versioning are shared so the plan shows what Submit would do. */
    @Override
    public void plan(SubmitJobRequest request, StreamObserver<PlanResponse> out) {
        Rpc.unary(out, () -> {
            Job spec = validated(request.getJob());
            Snapshot s = state.snapshot();
            Optional<Job> current = Optional.ofNullable(s.jobs().get(Snapshot.jobKey(spec.getNamespace(), spec.getName())))
                    .map(Versioned::value);
            Optional<Job> next = next(current, spec);
            return planner.plan(s, next.orElseGet(current::orElseThrow), next.isPresent());
        });
    }

    /** Defaults applied, server-set fields cleared; INVALID_ARGUMENT listing every problem otherwise. */
    private static Job validated(Job job) {
        Job submitted = JobDefaults.apply(job);
        List<FieldError> errors = JobValidator.validate(submitted);
        if (!errors.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription(errors.size() == 1 ? "1 problem in job spec:\n" + errors.get(0)
                    : errors.size() + " problems in job spec:\n"
                    + errors.stream().map(FieldError::toString).collect(Collectors.joining("\n"))).asRuntimeException();
        }
        return JobSpecs.withoutServerFields(submitted);
    }

    /** The job to store over {@code current}, or empty when the spec is already what runs. */
    private Optional<Job> next(Optional<Job> current, Job spec) {
        if (current.isPresent() && !current.get().getStopped()
                && JobSpecs.withoutServerFields(current.get()).equals(spec)) {
            return Optional.empty();
        }
        // The version names what runs: a change of count alone scales, it does not redeploy.
        boolean countOnly = current.isPresent() && JobSpecs.withoutServerFields(current.get()).toBuilder()
                .setCount(spec.getCount()).build().equals(spec);
        long version = current.map(j -> countOnly ? j.getVersion() : j.getVersion() + 1).orElse(1L);
        return Optional.of(spec.toBuilder().setVersion(version)
                .setSubmitTime(Timestamps.fromMillis(clock.millis())).build());
    }

    @Override
    public void get(GetJobRequest request, StreamObserver<JobStatusView> out) {
        Rpc.unary(out, () -> {
            Snapshot s = state.snapshot();
            String ns = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
            Versioned<Job> job = s.jobs().get(Snapshot.jobKey(ns, request.getName()));
            if (job == null) throw Rpc.notFound("job " + ns + "/" + request.getName() + " not found");
            return view(s, job.value());
        });
    }

    @Override
    public void list(ListJobsRequest request, StreamObserver<ListJobsResponse> out) {
        Rpc.unary(out, () -> {
            Snapshot s = state.snapshot();
            ListJobsResponse.Builder b = ListJobsResponse.newBuilder();
            s.jobs().values().stream().map(Versioned::value)
                    .filter(j -> request.getNamespace().isEmpty() || j.getNamespace().equals(request.getNamespace()))
                    .sorted(Comparator.comparing(Job::getNamespace).thenComparing(Job::getName))
                    .forEach(j -> b.addJobs(view(s, j)));
            return b.build();
        });
    }

    @Override
    public void stop(StopJobRequest request, StreamObserver<StopJobResponse> out) {
        Rpc.unary(out, () -> {
            String ns = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
            String key = keys.job(ns, request.getName());
            var result = AtomicUpdate.apply(store, key, Job.parser(), current -> {
                if (current.isEmpty()) throw Rpc.notFound("job " + ns + "/" + request.getName() + " not found");
                if (current.get().getStopped()) return Optional.empty();
                return Optional.of(current.get().toBuilder().setStopped(true).build());
            });
            state.awaitRevision(result.revision()).get(10, TimeUnit.SECONDS);
            return StopJobResponse.newBuilder().setJob(result.value().orElseThrow()).build();
        });
    }

    @Override
    public void endpoints(EndpointsRequest request, StreamObserver<EndpointsResponse> out) {
        Rpc.unary(out, () -> {
            Snapshot s = state.snapshot();
            String ns = namespace(request);
            if (!s.jobs().containsKey(Snapshot.jobKey(ns, request.getJob()))) {
                throw Rpc.notFound("job " + ns + "/" + request.getJob() + " not found");
            }
            return EndpointCatalog.of(s, ns, request.getJob());
        });
    }

    /** An unknown job is an empty list, not an error: a watcher may start before the job is submitted. */
    @Override
    public void watchEndpoints(EndpointsRequest request, StreamObserver<EndpointsResponse> out) {
        endpointWatches.open(namespace(request), request.getJob(), (ServerCallStreamObserver<EndpointsResponse>) out);
    }

    private static String namespace(EndpointsRequest request) {
        return request.getNamespace().isEmpty() ? "default" : request.getNamespace();
    }

    private static JobStatusView view(Snapshot s, Job job) {
        List<dev.gantry.api.v1.Allocation> allocs = s.allocationsOf(job.getNamespace(), job.getName()).stream()
                .filter(JobSummaries::visible)
                .sorted(Comparator.comparingInt(dev.gantry.api.v1.Allocation::getIndex)
                        .thenComparing(a -> a.getCreateTime().getSeconds()))
                .toList();
        return JobStatusView.newBuilder().setJob(job).addAllAllocations(allocs)
                .setSummary(JobSummaries.of(job, allocs, s.unplaced().get(Snapshot.jobKey(job.getNamespace(), job.getName()))))
                .build();
    }
}
