package dev.gantry.cli.commands;

import dev.gantry.api.v1.Job;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "validate", description = "Check a job file locally and list every problem by field path; contacts no scheduler.")
public final class ValidateCommand implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "JOB.yaml", description = "The job spec ('-' for stdin).")
    Path file;

    @Override
    public Integer call() {
        Job job = JobFiles.read(file);
        System.out.println(file + ": job " + job.getName() + " is valid (" + job.getTasksCount() + " task"
                + (job.getTasksCount() == 1 ? "" : "s") + ", " + job.getCount() + " replicas)");
        return 0;
    }
}
