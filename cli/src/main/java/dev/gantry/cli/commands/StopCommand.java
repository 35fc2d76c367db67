package dev.gantry.cli.commands;

import dev.gantry.api.v1.StopJobRequest;
import dev.gantry.api.v1.StopJobResponse;
import dev.gantry.cli.client.SchedulerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "stop", description = "Stop every allocation of a job. The job stays (see `gantry status`); `gantry run` starts it again.")
public final class StopCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Parameters(paramLabel = "JOB", description = "The job's name.")
    String job;

    @Override
    public Integer call() {
        try (SchedulerClient c = options.client()) {
            StopJobResponse r = c.call(s -> s.jobs().stop(StopJobRequest.newBuilder()
                    .setNamespace(options.namespace()).setName(job).build()));
            System.out.print(options.output().render(r, () -> "job " + r.getJob().getNamespace() + "/" + r.getJob().getName()
                    + " stopped; its containers are being stopped\n"));
            return 0;
        }
    }
}
