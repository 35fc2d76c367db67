package dev.gantry.agent.state;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.api.v1.Assignment;

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
 * ({@code assignment.pb}), one handle per started task ({@code <task>.handle.json}) and the
 * task logs ({@code <task>.log}). Every write goes to a temp file and is renamed into place,
 * so a crash leaves either the old or the new file, never half of one. Thread-safe per file.
 */
public final class LocalState {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path allocs;

    public LocalState(Path root) {
        this.allocs = root.resolve("allocs");
        try {
            Files.createDirectories(allocs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create agent state directory " + allocs, e);
        }
    }

    /** What an earlier agent process left: an assignment and the handles of its started tasks. */
    public record Recovered(Assignment assignment, Map<String, TaskHandle> handles) {
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
                if (n.equals("assignment.pb") || n.endsWith(".handle.json")) Files.deleteIfExists(p);
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
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        String n = f.getFileName().toString();
                        if (n.endsWith(".handle.json")) {
                            handles.put(n.substring(0, n.length() - ".handle.json".length()),
                                    JSON.readValue(f.toFile(), new TypeReference<TaskHandle>() { }));
                        }
                    }
                }
                out.add(new Recovered(assignment, handles));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read agent state in " + allocs, e);
        }
        return out;
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
