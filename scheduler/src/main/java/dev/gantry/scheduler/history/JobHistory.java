package dev.gantry.scheduler.history;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobVersion;
import dev.gantry.scheduler.rollout.Templates;
import dev.gantry.scheduler.state.AtomicUpdate;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import io.grpc.Status;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Every stored job version is also kept under {@code job-versions/}, the last {@code keep}
 * of them, with their deployments; a redeploy (undo, automatic rollback) turns a kept one
 * into a new version. Versions grow by one per change, so the one that ages out is always
 * {@code version - keep}: no listing on the write path.
 */
public final class JobHistory {
    public static final int DEFAULT_KEEP = 10;

    private final Store store;
    private final Keys keys;
    private final Clock clock;
    private final int keep;

    public JobHistory(Store store, Keys keys, Clock clock, int keep) {
        if (keep < 1) throw new IllegalArgumentException("keep at least one job version, not " + keep);
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        this.keep = keep;
    }

    public Keys keys() {
        return keys;
    }

    /**
     * The job to store over {@code current} for a submitted {@code spec} (server fields
     * cleared), or empty when that spec already runs. Every change is a new version.
     */
    public Optional<Job> next(Optional<Job> current, Job spec, String cause) {
        if (current.isPresent() && !current.get().getStopped() && withoutServerFields(current.get()).equals(spec)) {
            return Optional.empty();
        }
        long version = current.map(j -> j.getVersion() + 1).orElse(1L);
        return Optional.of(spec.toBuilder().setVersion(version).setTemplateHash(Templates.hash(spec))
                .setChangeCause(cause).setSubmitTime(Timestamps.fromMillis(clock.millis())).build());
    }

    /** The part of a job that the operator wrote, without what the scheduler sets. */
    public static Job withoutServerFields(Job job) {
        return job.toBuilder().clearVersion().clearStopped().clearSubmitTime().clearTemplateHash().clearChangeCause().build();
    }

    /** The writes that keep {@code job} as a version and drop the version that ages out. */
    public List<Op> record(Job job) {
        List<Op> ops = new ArrayList<>();
        ops.add(Op.put(keys.jobVersion(job.getNamespace(), job.getName(), job.getVersion()), job.toByteArray()));
        long old = job.getVersion() - keep;
        if (old >= 1) {
            ops.add(Op.delete(keys.jobVersion(job.getNamespace(), job.getName(), old)));
            ops.add(Op.delete(keys.deployment(job.getNamespace(), job.getName(), old)));
        }
        return ops;
    }

    /** Stores a submitted spec as the next version, with its history entry, atomically. */
    public AtomicUpdate.Result<Job> submit(Job spec) throws InterruptedException, ExecutionException, TimeoutException {
        return AtomicUpdate.apply(store, keys.job(spec.getNamespace(), spec.getName()), Job.parser(),
                current -> next(current, spec, ""), this::record, List.of());
    }

    /**
     * Stores kept version {@code to} as a new version of the job. {@code expectVersion} (when
     * not 0) must still be the job's version, else nothing is written; {@code alsoWrite} and
     * {@code alsoCompare} join the same transaction.
     *
     * @throws io.grpc.StatusRuntimeException NOT_FOUND when the job or that version is not kept
     */
    public AtomicUpdate.Result<Job> redeploy(String namespace, String name, long to, long expectVersion, String cause,
                                            Function<Job, List<Op>> alsoWrite, List<Compare> alsoCompare)
            throws InterruptedException, ExecutionException, TimeoutException {
        Job target = version(namespace, name, to).orElseThrow(() -> Status.NOT_FOUND
                .withDescription("version " + to + " of job " + namespace + "/" + name + " is not kept"
                        + " (the last " + keep + " versions are; see `gantry history " + name + "`)").asRuntimeException());
        Job spec = withoutServerFields(target);
        return AtomicUpdate.apply(store, keys.job(namespace, name), Job.parser(), current -> {
            if (current.isEmpty()) throw Status.NOT_FOUND.withDescription("job " + namespace + "/" + name + " not found").asRuntimeException();
            if (expectVersion != 0 && current.get().getVersion() != expectVersion) return Optional.empty();
            // The same spec as what runs still makes a version: the operator asked for this one.
            long version = current.get().getVersion() + 1;
            return Optional.of(spec.toBuilder().setVersion(version).setTemplateHash(Templates.hash(spec))
                    .setChangeCause(cause).setSubmitTime(Timestamps.fromMillis(clock.millis())).build());
        }, next -> {
            List<Op> ops = new ArrayList<>(record(next));
            ops.addAll(alsoWrite.apply(next));
            return ops;
        }, alsoCompare);
    }

    public Optional<Job> version(String namespace, String name, long version)
            throws InterruptedException, ExecutionException, TimeoutException {
        Optional<KeyValue> kv = store.get(keys.jobVersion(namespace, name, version)).get(10, TimeUnit.SECONDS);
        if (kv.isEmpty()) return Optional.empty();
        return Optional.of(parse(kv.get(), Job.parser()));
    }

    /** The kept versions, oldest first, each with its deployment if kept. */
    public List<JobVersion> list(String namespace, String name)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<Long, JobVersion.Builder> out = new TreeMap<>();
        for (KeyValue kv : store.range(keys.jobVersions(namespace, name)).get(10, TimeUnit.SECONDS).kvs()) {
            Job j = parse(kv, Job.parser());
            out.put(j.getVersion(), JobVersion.newBuilder().setJob(j));
        }
        for (KeyValue kv : store.range(keys.deployments(namespace, name)).get(10, TimeUnit.SECONDS).kvs()) {
            Deployment d = parse(kv, Deployment.parser());
            JobVersion.Builder v = out.get(d.getJobVersion());
            if (v != null) v.setDeployment(d);
        }
        return out.values().stream().map(JobVersion.Builder::build).toList();
    }

    private static <T extends com.google.protobuf.Message> T parse(KeyValue kv, com.google.protobuf.Parser<T> parser)
            throws ExecutionException {
        try {
            return parser.parseFrom(kv.value());
        } catch (InvalidProtocolBufferException e) {
            throw new ExecutionException("stored value at " + kv.key() + " is corrupt", e);
        }
    }
}
