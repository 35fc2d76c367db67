package dev.gantry.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Like {@link RuntimeRequirements}: under CI=true a missing registry binary fails the test, elsewhere it skips. */
public final class RegistryRequirements {
    private RegistryRequirements() {
    }

    /** The {@code docker-registry} binary (Debian package docker-registry, distribution 2.8). */
    public static Path requireDockerRegistry() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "docker-registry");
            if (Files.isExecutable(candidate)) return candidate;
        }
        String msg = "registry integration tests need the docker-registry binary (apt-get install docker-registry)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg);
        assumeTrue(false, msg);
        throw new IllegalStateException("unreachable");
    }
}
