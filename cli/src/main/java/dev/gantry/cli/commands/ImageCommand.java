package dev.gantry.cli.commands;

import dev.gantry.agent.image.LayerTar;
import dev.gantry.agent.image.OciImageWriter;
import dev.gantry.cli.client.CliException;
import dev.gantry.cli.client.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "image", description = "Work with local images.", subcommands = ImageCommand.Pack.class)
public final class ImageCommand {

    @Command(name = "pack", description = {
            "Make an OCI image archive (a tar of an OCI layout) from a directory, without Docker.",
            "The directory becomes the image's single layer, with its owners and modes."})
    static final class Pack implements Callable<Integer> {
        @Option(names = "--from", required = true, paramLabel = "DIR", description = "The root filesystem to pack.")
        Path from;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.tar", description = "Where to write the archive.")
        Path output;

        @Option(names = "--entrypoint", split = ",", paramLabel = "ARG[,ARG...]", description = "The image's entrypoint.")
        List<String> entrypoint = new ArrayList<>();

        @Option(names = "--cmd", split = ",", paramLabel = "ARG[,ARG...]", description = "The image's default arguments.")
        List<String> cmd = new ArrayList<>();

        @Option(names = "--env", paramLabel = "KEY=VALUE", description = "An environment variable; repeatable.")
        List<String> env = new ArrayList<>();

        @Option(names = "--workdir", defaultValue = "/", description = "Working directory (default: ${DEFAULT-VALUE}).")
        String workdir;

        @Option(names = "--user", defaultValue = "", description = "User to run as (default: root).")
        String user;

        @Option(names = "--ref", defaultValue = "", paramLabel = "NAME:TAG", description = "A name for the image in the archive.")
        String ref;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(from)) throw new CliException(ExitCodes.USAGE, "--from " + from + " is not a directory");
            OciImageWriter w = new OciImageWriter().layer(LayerTar.fromDirectory(from)).gzip(true)
                    .entrypoint(entrypoint.toArray(String[]::new)).cmd(cmd.toArray(String[]::new))
                    .env(env.toArray(String[]::new)).workingDir(workdir).user(user);
            if (!ref.isEmpty()) w.refName(ref);
            var written = w.writeLayoutTar(output);
            System.out.println("wrote " + output + " (manifest " + written.manifestDigest() + ")");
            return 0;
        }
    }
}
