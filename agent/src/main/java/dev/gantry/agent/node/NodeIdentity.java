package dev.gantry.agent.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** The node's id: made once, kept in {@code <data>/node-id}, so an agent restart is the same node. */
public final class NodeIdentity {
    private NodeIdentity() {
    }

    public static String loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve("node-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file).trim();
                if (!id.isEmpty()) return id;
            }
            Files.createDirectories(dataDir);
            String id = UUID.randomUUID().toString();
            Files.writeString(file, id + "\n");
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the node id at " + file, e);
        }
    }
}
