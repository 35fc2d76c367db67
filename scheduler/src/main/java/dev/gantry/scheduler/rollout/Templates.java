package dev.gantry.scheduler.rollout;

import com.google.protobuf.CodedOutputStream;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Job;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a replica runs, as a hash: the tasks, the restart policy and the network (only when the
 * job names one, so jobs written before networks existed keep their hash). Two versions with the same
 * hash run the same containers, so moving a replica between them needs no restart.
 */
public final class Templates {
    private Templates() {
    }

    public static String hash(Job job) {
        Job.Builder b = Job.newBuilder().addAllTasks(job.getTasksList()).setRestart(job.getRestart());
        if (job.hasNetwork()) b.setNetwork(job.getNetwork());
        Job template = b.build();
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.useDeterministicSerialization(); // map entries (env) in key order
            template.writeTo(out);
            out.flush();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }

    /**
     * Whether the allocation runs the job's current template. Allocations placed before
     * template hashes existed compare by version.
     */
    public static boolean current(Allocation a, Job job) {
        if (a.getTemplateHash().isEmpty() || job.getTemplateHash().isEmpty()) return a.getJobVersion() == job.getVersion();
        return a.getTemplateHash().equals(job.getTemplateHash());
    }
}
