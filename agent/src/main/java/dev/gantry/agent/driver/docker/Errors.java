package dev.gantry.agent.driver.docker;

import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import dev.gantry.agent.driver.DriverException;

/** Turns docker-java's unchecked exceptions into DriverExceptions that say whether the engine answered at all. */
final class Errors {
    private Errors() {
    }

    static DriverException of(Engine engine, String what, RuntimeException e) {
        if (e instanceof DockerException de) {
            // The engine answered with an error: its message (JSON {"message": ...}) says why.
            return new DriverException(what + ": " + engineMessage(de), e);
        }
        if (e instanceof DockerClientException) return new DriverException(what + ": " + e.getMessage(), e);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return new DriverException(what + ": the Docker Engine at " + engine.host() + " is not reachable: " + root, e);
    }

    /** docker-java puts the response body in the message: "Status 409: {\"message\":\"...\"}". */
    static String engineMessage(DockerException e) {
        String m = String.valueOf(e.getMessage());
        int i = m.indexOf("\"message\":\"");
        if (i < 0) return m.strip();
        int start = i + "\"message\":\"".length();
        int end = m.indexOf("\"}", start);
        return (end < 0 ? m.substring(start) : m.substring(start, end)).replace("\\\"", "\"").strip();
    }
}
