package dev.gantry.cli.commands;

import dev.gantry.api.spec.JobSpecException;
import dev.gantry.api.spec.JobSpecs;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Task;
import dev.gantry.cli.client.CliException;
import dev.gantry.cli.client.ExitCodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a job file for the client verbs: parse and validate locally (fast feedback, every
 * problem at once), then make local image paths absolute, relative to the job file, since
 * the agent resolves them on its own filesystem.
 */
final class JobFiles {
    private JobFiles() {
    }

    static Job read(Path file) {
        String text;
        try {
            text = "-".equals(file.toString()) ? new String(System.in.readAllBytes()) : Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCodes.USAGE, "job file " + file + " does not exist");
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read job file " + file + ": " + e.getMessage());
        }
        Job job;
        try {
            job = JobSpecs.parseAndValidate(text);
        } catch (JobSpecException e) {
            int n = e.errors().size();
            throw new CliException(ExitCodes.USAGE, file + ": " + n + (n == 1 ? " problem" : " problems") + ":\n  "
                    + e.getMessage().replace("\n", "\n  "));
        }
        Path base = "-".equals(file.toString()) ? Path.of("").toAbsolutePath() : file.toAbsolutePath().getParent();
        Job.Builder b = job.toBuilder();
        for (Task.Builder t : b.getTasksBuilderList()) {
            t.setImage(resolveImage(t.getImage(), base));
        }
        return b.build();
    }

    /** "./web.tar" and "file:web.tar" become "file:/abs/web.tar"; registry references stay as they are. */
    static String resolveImage(String image, Path base) {
        String path = image.startsWith("file:") ? image.substring("file:".length()) : image;
        boolean local = image.startsWith("file:") || image.startsWith("/") || image.startsWith("./") || image.startsWith("../");
        if (!local) return image;
        String fragment = "";
        int hash = path.indexOf('#');
        if (hash >= 0) {
            fragment = path.substring(hash);
            path = path.substring(0, hash);
        }
        return "file:" + base.resolve(path).normalize() + fragment;
    }
}
