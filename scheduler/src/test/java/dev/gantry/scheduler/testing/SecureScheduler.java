package dev.gantry.scheduler.testing;

import dev.gantry.api.transport.TlsMaterial;
import dev.gantry.api.transport.Transport;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.security.SchedulerSecurity;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A secure scheduler on the in-memory store, over real TLS on a loopback port, with ACLs
 * bootstrapped: its CA, its management token, and channels made as clients make them.
 */
public final class SecureScheduler implements AutoCloseable {
    public final MemoryStore store;
    public final SchedulerServer server;
    public final X509Certificate ca;
    public final String management;
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

    private SecureScheduler(MemoryStore store, SchedulerServer server, String management) {
        this.store = store;
        this.server = server;
        this.ca = server.caCertificate().orElseThrow();
        this.management = management;
    }

    /** {@code dir} holds the cluster key. */
    public static SecureScheduler start(Path dir) throws IOException {
        MemoryStore store = new MemoryStore();
        SchedulerServer server = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/"),
                new SchedulerSecurity.Settings(dir.resolve("cluster.key"), List.of(), Duration.ofMinutes(10)));
        return new SecureScheduler(store, server, server.bootstrapAcl().orElseThrow());
    }

    /** A channel through {@code transport}, closed with this fixture. */
    public ManagedChannel channel(Transport transport) {
        ManagedChannel c = transport.channel("127.0.0.1", server.grpcPort()).build();
        channels.add(c);
        return c;
    }

    /** TLS trusting the cluster CA, no credentials. */
    public ManagedChannel anonymous() {
        return channel(Transport.mutualTls(TlsMaterial.trustOnly(ca)));
    }

    /** TLS trusting the cluster CA, with an ACL token. */
    public ManagedChannel withToken(String token) {
        return channel(Transport.mutualTls(TlsMaterial.trustOnly(ca)).withBearerToken(token));
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.close();
        store.close();
    }
}
