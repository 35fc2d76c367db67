package dev.gantry.scheduler.security;

import dev.gantry.api.security.KeySealer;
import dev.gantry.api.transport.RenewableKeyManager;
import dev.gantry.api.transport.TlsMaterial;
import dev.gantry.api.transport.Transport;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Store;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a secure scheduler replica holds: the cluster PKI, its own scheduler certificate, the
 * transport built on them (TLS 1.3; client certificates optional on the port, since people come
 * with tokens and agents with certificates), the security records and the authenticator.
 */
public final class SchedulerSecurity implements AutoCloseable {
    /** Default lifetime of node certificates; agents renew at two thirds of it. */
    public static final Duration DEFAULT_NODE_CERT_LIFETIME = Duration.ofDays(30);

    /**
     * @param clusterKey the file holding the key that seals the CA's private key in the store; created
     *     on the first scheduler server, copied by the operator to the others
     * @param tlsNames extra DNS names or IP addresses the replica's certificate names (a load balancer's)
     */
    public record Settings(Path clusterKey, List<String> tlsNames, Duration nodeCertLifetime) {
        public Settings {
            tlsNames = List.copyOf(tlsNames);
            if (nodeCertLifetime.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("node certificate lifetime must be at least 1m, got " + nodeCertLifetime);
            }
        }
    }

    private final ClusterPki pki;
    private final RenewableKeyManager keys;
    private final Transport transport;
    private final SecurityRecords records;
    private final Settings settings;
    private final Store store;
    private final Keys storeKeys;
    private final Clock clock;

    private SchedulerSecurity(ClusterPki pki, RenewableKeyManager keys, Transport transport, SecurityRecords records,
                              Settings settings, Store store, Keys storeKeys, Clock clock) {
        this.store = store;
        this.storeKeys = storeKeys;
        this.clock = clock;
        this.pki = pki;
        this.keys = keys;
        this.transport = transport;
        this.records = records;
        this.settings = settings;
    }

    /** Opens (or on a new cluster creates) the CA and issues this replica's certificate. */
    public static SchedulerSecurity open(Store store, Keys keys, Settings settings, String bindHost, Clock clock) throws IOException {
        KeySealer sealer = KeySealer.loadOrCreate(settings.clusterKey());
        ClusterPki pki = ClusterPki.loadOrCreate(store, keys, sealer, clock);
        List<String> names = new ArrayList<>(settings.tlsNames());
        names.add(bindHost);
        RenewableKeyManager mine = pki.issueSchedulerKeys(names);
        Transport transport = Transport.mutualTls(pki.caCertificate(), mine, TlsMaterial.ClientAuth.OPTIONAL);
        SecurityRecords records = new SecurityRecords(store, keys);
        try {
            records.start().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            records.close();
            throw new IOException("cannot load the security records from the store: " + e.getMessage(), e);
        }
        return new SchedulerSecurity(pki, mine, transport, records, settings, store, keys, clock);
    }

    public ClusterPki pki() {
        return pki;
    }

    public X509Certificate caCertificate() {
        return pki.caCertificate();
    }

    /** This replica's key and certificate (for the HTTPS port too). */
    public RenewableKeyManager keys() {
        return keys;
    }

    public Transport transport() {
        return transport;
    }

    public SecurityRecords records() {
        return records;
    }

    public Duration nodeCertLifetime() {
        return settings.nodeCertLifetime();
    }

    /** {@code audit}: where mutating calls are recorded; null records nothing. */
    public Authenticator authenticator(Rule.NamespaceLookup lookup, Clock clock, AuditLog audit) {
        return new Authenticator(PermissionTable.scheduler(), records, lookup, clock, audit);
    }

    /** A new agent join token, created locally (for `gantry dev`'s own agent). */
    public String createJoinToken(Duration ttl) throws IOException {
        try {
            return JoinTokens.create(store, storeKeys, clock, pki, "agent", ttl.toSeconds(), "created by this scheduler", "scheduler")
                    .getToken();
        } catch (Exception e) {
            throw new IOException("cannot create a join token: " + e.getMessage(), e);
        }
    }

    /** Bootstraps ACLs locally; empty when they were bootstrapped already. */
    public java.util.Optional<String> bootstrapAcl() throws IOException {
        try {
            return AclTokens.bootstrap(store, storeKeys, clock).map(dev.gantry.api.v1.AclTokenSecret::getSecret);
        } catch (Exception e) {
            throw new IOException("cannot bootstrap ACLs: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        records.close();
    }
}
