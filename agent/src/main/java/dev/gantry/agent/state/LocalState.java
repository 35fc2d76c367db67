package dev.gantry.agent.state;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.TaskState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Per allocation, a directory {@code <root>/allocs/<id>/} with the assignment it runs
 * ({@code assignment.pb}), one handle per started task ({@code <task>.handle.json}), the last
 * state of each task ({@code <task>.state.pb}: restarts, last exit, container id) and the
 * task logs ({@code <task>.log}). Every write goes to a temp file and is renamed into place,
 * so a crash leaves either the old or the new file, never half of one. Thread-safe per file.
 */
public final class LocalState {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HANDLE = ".handle.json";
    private static final String STATE = ".state.pb";

    private final Path allocs;

    public LocalState(Path root) {
        this.allocs = root.resolve("allocs");
        try {
            Files.createDirectories(allocs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create agent state directory " + allocs, e);
        }
    }

    /** What an earlier agent process left: an assignment, the handles of its started tasks and their last states. */
    public record Recovered(Assignment assignment, Map<String, TaskHandle> handles, Map<String, TaskState> states) {
        public Recovered {
            handles = Map.copyOf(handles);
            states = Map.copyOf(states);
        }
    }

    public Path allocDir(String allocId) {
        return allocs.resolve(allocId);
    }

    public Path logPath(String allocId, String task) {
        return allocDir(allocId).resolve(task + ".log");
    }

    public void saveAssignment(Assignment a) {
        write(allocDir(a.getAllocation().getId()).resolve("assignment.pb"), a.toByteArray());
    }

    /** Forgets an allocation that has been stopped; its logs stay until the directory is collected. */
    public void forget(String allocId) {
        try (Stream<Path> files = Files.list(allocDir(allocId))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String n = p.getFileName().toString();
                if (n.equals("assignment.pb") || n.endsWith(HANDLE) || n.endsWith(STATE)) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // nothing to forget
        }
    }

    public void saveHandle(String allocId, String task, TaskHandle h) {
        try {
            write(allocDir(allocId).resolve(task + ".handle.json"), JSON.writeValueAsBytes(h));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Persists what must outlive the agent process about a task (restart count, last exit):
     * without it a re-adopted task would show 0 restarts. Health is not saved: it is
     * re-established by the checks of the new process.
     */
    public void saveTaskState(String allocId, String task, TaskState s) {
        write(allocDir(allocId).resolve(task + STATE), s.toBuilder().clearHealthy().clearHealthMessage().build().toByteArray());
    }

    public void deleteHandle(String allocId, String task) {
        try {
            Files.deleteIfExists(allocDir(allocId).resolve(task + ".handle.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Recovered> recover() {
        List<Recovered> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(allocs)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                Path a = dir.resolve("assignment.pb");
                if (!Files.exists(a)) continue;
                Assignment assignment = Assignment.parseFrom(Files.readAllBytes(a));
                Map<String, TaskHandle> handles = new HashMap<>();
                Map<String, TaskState> states = new HashMap<>();
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        String n = f.getFileName().toString();
                        if (n.endsWith(HANDLE)) {
                            handles.put(strip(n, HANDLE), JSON.readValue(f.toFile(), new TypeReference<TaskHandle>() { }));
                        } else if (n.endsWith(STATE)) {
                            readState(f).ifPresent(st -> states.put(strip(n, STATE), st));
                        }
                    }
                }
                out.add(new Recovered(assignment, handles, states));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read agent state in " + allocs, e);
        }
        return out;
    }

    /** Writes are atomic, so a bad file is damage from outside; the task then just starts with a fresh count. */
    private static java.util.Optional<TaskState> readState(Path f) throws IOException {
        try {
            return java.util.Optional.of(TaskState.parseFrom(Files.readAllBytes(f)));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return java.util.Optional.empty();
        }
    }

    private static String strip(String fileName, String suffix) {
        return fileName.substring(0, fileName.length() - suffix.length());
    }

    private static void write(Path target, byte[] bytes) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }
}
