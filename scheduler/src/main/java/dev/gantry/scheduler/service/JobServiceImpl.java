package dev.gantry.scheduler.service;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.spec.FieldError;
import dev.gantry.api.spec.JobDefaults;
import dev.gantry.api.spec.JobValidator;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.EndpointsRequest;
import dev.gantry.api.v1.HistoryRequest;
import dev.gantry.api.v1.HistoryResponse;
import dev.gantry.api.v1.RolloutRequest;
import dev.gantry.api.v1.RolloutView;
import dev.gantry.api.v1.UndoRequest;
import dev.gantry.scheduler.admission.Namespaces;
import dev.gantry.scheduler.admission.PrivilegeCheck;
import dev.gantry.scheduler.history.JobHistory;
import dev.gantry.scheduler.placement.PlacementSettings;
import dev.gantry.scheduler.rollout.DeploymentTracker;
import dev.gantry.scheduler.store.KeyValue;
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

    private final JobHistory history;
    /** The namespaces' settings, which decide the privileged opt-outs a job may ask for. */
    private final Namespaces namespaces;
    /** Why this replica is degraded (its store does not answer), empty when healthy; must not block. */
    private final java.util.function.Supplier<String> degraded;

    public JobServiceImpl(ClusterState state, Store store, Keys keys, Clock clock, JobHistory history) {
        this(state, store, keys, clock, history, () -> "");
    }

    public JobServiceImpl(ClusterState state, Store store, Keys keys, Clock clock, JobHistory history,
                          java.util.function.Supplier<String> degraded) {
        this(state, store, keys, clock, history, degraded, PlacementSettings.defaults());
    }

    /** {@code placement}: the evaluator's settings, so that a dry run chooses the nodes a real evaluation would. */
    public JobServiceImpl(ClusterState state, Store store, Keys keys, Clock clock, JobHistory history,
                          java.util.function.Supplier<String> degraded, PlacementSettings placement) {
        this.degraded = degraded;
        this.state = state;
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        this.history = history;
        this.endpointWatches = new EndpointWatches(state);
        this.planner = new Planner(keys, clock, placement);
        this.namespaces = new Namespaces(store, keys, clock);
    }

    @Override
    public void submit(SubmitJobRequest request, StreamObserver<SubmitJobResponse> out) {
        Rpc.unary(out, () -> {
            Job spec = validated(request.getJob());
            requireAllowed(spec);
            var result = history.submit(spec);
            state.awaitRevision(result.revision()).get(10, TimeUnit.SECONDS);
            return SubmitJobResponse.newBuilder().setJob(result.value().orElseThrow()).setChanged(result.written()).build();
        });
    }

    /** Submit without the write: validation and versioning are shared so the plan shows what Submit would do. */
    @Override
    public void plan(SubmitJobRequest request, StreamObserver<PlanResponse> out) {
        Rpc.unary(out, () -> {
            Job spec = validated(request.getJob());
            requireAllowed(spec);
            Snapshot s = state.snapshot();
            Optional<Job> current = Optional.ofNullable(s.jobs().get(Snapshot.jobKey(spec.getNamespace(), spec.getName())))
                    .map(Versioned::value);
            Optional<Job> next = history.next(current, spec, "");
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
        return JobHistory.withoutServerFields(submitted);
    }

    /**
     * PERMISSION_DENIED listing every privileged opt-out the job asks for that its namespace does
     * not allow (see {@link PrivilegeCheck}). The settings are read from the store, so a change of
     * them applies to the next submit on every replica; jobs already stored are not re-checked.
     */
    private void requireAllowed(Job job) throws Exception {
        List<PrivilegeCheck.Violation> problems = PrivilegeCheck.problems(job, namespaces.get(job.getNamespace()).getSettings());
        if (problems.isEmpty()) return;
        throw Status.PERMISSION_DENIED.withDescription("job " + job.getNamespace() + "/" + job.getName()
                + " asks for what namespace \"" + job.getNamespace() + "\" does not allow:\n"
                + problems.stream().map(PrivilegeCheck.Violation::toString).collect(Collectors.joining("\n"))
                + "\nAn operator may allow it: gantry namespace set " + job.getNamespace() + " --allow="
                + problems.stream().map(p -> p.setting().word()).distinct().collect(Collectors.joining(",")))
                .asRuntimeException();
    }

    @Override
    public void rollout(RolloutRequest request, StreamObserver<RolloutView> out) {
        Rpc.unary(out, () -> rolloutView(request));
    }

    @Override
    public void pauseRollout(RolloutRequest request, StreamObserver<RolloutView> out) {
        Rpc.unary(out, () -> changeRollout(request, "pause", d -> d.getPaused() ? null : d.toBuilder().setPaused(true).setStatusDescription("paused")));
    }

    @Override
    public void resumeRollout(RolloutRequest request, StreamObserver<RolloutView> out) {
        Rpc.unary(out, () -> changeRollout(request, "resume", d -> d.getPaused() ? d.toBuilder().setPaused(false).setStatusDescription("rolling out") : null));
    }

    @Override
    public void promoteRollout(RolloutRequest request, StreamObserver<RolloutView> out) {
        Rpc.unary(out, () -> changeRollout(request, "promote", d -> {
            if (d.getDesiredCanaries() == 0) {
                throw Status.FAILED_PRECONDITION.withDescription("the rollout of version " + d.getJobVersion()
                        + " has no canaries to promote").asRuntimeException();
            }
            return d.getPromoted() ? null : d.toBuilder().setPromoted(true).setStatusDescription("rolling out");
        }));
    }

    @Override
    public void history(HistoryRequest request, StreamObserver<HistoryResponse> out) {
        Rpc.unary(out, () -> {
            String ns = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
            requireJob(state.snapshot(), ns, request.getJob());
            return HistoryResponse.newBuilder().addAllVersions(history.list(ns, request.getJob())).build();
        });
    }

    /** Undo: the version before the current one unless {@code to_version} names another kept one. */
    @Override
    public void undo(UndoRequest request, StreamObserver<SubmitJobResponse> out) {
        Rpc.unary(out, () -> {
            String ns = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
            Job current = requireJob(state.snapshot(), ns, request.getJob());
            long to = request.getToVersion() != 0 ? request.getToVersion() : current.getVersion() - 1;
            if (to < 1 || to >= current.getVersion()) {
                throw Status.FAILED_PRECONDITION.withDescription(request.getToVersion() == 0
                        ? "job " + ns + "/" + request.getJob() + " has no version before " + current.getVersion()
                        : "cannot undo to version " + to + ": job " + ns + "/" + request.getJob() + " is at version "
                        + current.getVersion() + "; name an earlier one").asRuntimeException();
            }
            // The old version is checked as a new submit would be: the namespace may allow less by now.
            Optional<Job> target = history.version(ns, request.getJob(), to);
            if (target.isPresent()) requireAllowed(target.get());
            var result = history.redeploy(ns, request.getJob(), to, 0, "undo to version " + to, next -> List.of(), List.of());
            state.awaitRevision(result.revision()).get(10, TimeUnit.SECONDS);
            return SubmitJobResponse.newBuilder().setJob(result.value().orElseThrow()).setChanged(result.written()).build();
        });
    }

    private RolloutView rolloutView(RolloutRequest request) throws Exception {
        String ns = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
        Snapshot s = state.snapshot();
        Job job = requireJob(s, ns, request.getJob());
        Versioned<Deployment> latest = s.deployments().get(Snapshot.jobKey(ns, request.getJob()));
        Deployment d;
        if (request.getVersion() == 0 || (latest != null && latest.value().getJobVersion() == request.getVersion())) {
            if (latest == null) throw Rpc.notFound("job " + ns + "/" + request.getJob() + " has no rollout yet");
            d = latest.value();
        } else {
            Optional<KeyValue> kv = store.get(keys.deployment(ns, request.getJob(), request.getVersion())).get(10, TimeUnit.SECONDS);
            if (kv.isEmpty()) {
                throw Rpc.notFound("no rollout of version " + request.getVersion() + " of job " + ns + "/" + request.getJob()
                        + (request.getVersion() <= job.getVersion() ? " is kept (yet)" : ": the job is at version " + job.getVersion()));
            }
            d = Deployment.parseFrom(kv.get().value());
        }
        return RolloutView.newBuilder().setDeployment(d).setCurrentVersion(job.getVersion())
                .setSummary(view(s, job).getSummary()).build();
    }

    /** Read-modify-write of the latest rollout; {@code change} returns null to leave it as it is. */
    private RolloutView changeRollout(RolloutRequest request, String verb,
                                      java.util.function.Function<Deployment, Deployment.Builder> change) throws Exception {
        String ns = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
        Snapshot s = state.snapshot();
        requireJob(s, ns, request.getJob());
        Versioned<Deployment> latest = s.deployments().get(Snapshot.jobKey(ns, request.getJob()));
        if (latest == null) throw Rpc.notFound("job " + ns + "/" + request.getJob() + " has no rollout to " + verb);
        long version = request.getVersion() != 0 ? request.getVersion() : latest.value().getJobVersion();
        var result = AtomicUpdate.apply(store, keys.deployment(ns, request.getJob(), version), Deployment.parser(), current -> {
            if (current.isEmpty()) throw Rpc.notFound("no rollout of version " + version + " of job " + ns + "/" + request.getJob());
            if (DeploymentTracker.terminal(current.get().getStatus())) {
                throw Status.FAILED_PRECONDITION.withDescription("cannot " + verb + " the rollout of version " + version
                        + ": it has ended (" + current.get().getStatus().name().replace("DEPLOYMENT_", "").toLowerCase()
                        + ": " + current.get().getStatusDescription() + ")").asRuntimeException();
            }
            Deployment.Builder next = change.apply(current.get());
            return next == null ? Optional.empty()
                    : Optional.of(next.setModifyTime(Timestamps.fromMillis(clock.millis())).build());
        });
        state.awaitRevision(result.revision()).get(10, TimeUnit.SECONDS);
        return rolloutView(request.toBuilder().setVersion(version).build());
    }

    private static Job requireJob(Snapshot s, String ns, String name) {
        Versioned<Job> job = s.jobs().get(Snapshot.jobKey(ns, name));
        if (job == null) throw Rpc.notFound("job " + ns + "/" + name + " not found");
        return job.value();
    }

    @Override
    public void get(GetJobRequest request, StreamObserver<JobStatusView> out) {
        Rpc.unary(out, () -> {
            Snapshot s = state.snapshot();
            String ns = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
            Versioned<Job> job = s.jobs().get(Snapshot.jobKey(ns, request.getName()));
            if (job == null) throw Rpc.notFound("job " + ns + "/" + request.getName() + " not found");
            return view(s, job.value()).toBuilder().setDegraded(degraded.get()).build();
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
            return b.setDegraded(degraded.get()).build();
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
        List<dev.gantry.api.v1.Allocation> all = s.allocationsOf(job.getNamespace(), job.getName());
        List<dev.gantry.api.v1.Allocation> allocs = JobSummaries.shown(all).stream()
                .sorted(Comparator.comparingInt(dev.gantry.api.v1.Allocation::getIndex)
                        .thenComparing(a -> a.getCreateTime().getSeconds()))
                .toList();
        Versioned<Deployment> deployment = s.deployments().get(Snapshot.jobKey(job.getNamespace(), job.getName()));
        JobStatusView.Builder b = JobStatusView.newBuilder();
        if (deployment != null) b.setDeployment(deployment.value());
        return b.setJob(job).addAllAllocations(allocs)
                .setSummary(JobSummaries.of(job, allocs, s.unplaced().get(Snapshot.jobKey(job.getNamespace(), job.getName()))))
                .build();
    }
}
