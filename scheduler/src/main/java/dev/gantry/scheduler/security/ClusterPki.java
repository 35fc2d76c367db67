package dev.gantry.scheduler.security;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gantry.api.security.ClusterCa;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.KeySealer;
import dev.gantry.api.security.Pem;
import dev.gantry.api.security.SealedDataException;
import dev.gantry.api.transport.RenewableKeyManager;
import dev.gantry.api.v1.StoredCa;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The cluster CA as the scheduler replicas share it: created by the first replica that starts
 * (a compare-and-put on an absent key, so racing replicas agree on one), kept in the store with
 * its private key sealed under the cluster key (a file each scheduler server holds; the operator
 * copies it to new scheduler servers). The private key is never stored or sent in the clear.
 */
public final class ClusterPki {
    /** Lifetime of a replica's own server certificate; it is issued again at every start. */
    public static final Duration SCHEDULER_CERT_LIFETIME = Duration.ofDays(365);

    private final ClusterCa ca;

    private ClusterPki(ClusterCa ca) {
        this.ca = ca;
    }

    /**
     * Reads the cluster CA from the store, creating it when there is none yet.
     *
     * @throws IOException when the stored CA cannot be opened with {@code sealer}'s key (another
     *     cluster's key file, or none copied from the first scheduler server), or the store fails
     */
    public static ClusterPki loadOrCreate(Store store, Keys keys, KeySealer sealer, Clock clock) throws IOException {
        // Longer than the store's own call deadline, so that its error (which says why etcd does
        // not answer, e.g. a refused client certificate) arrives rather than a bare timeout here.
        final long wait = 30;
        try {
            Optional<KeyValue> stored = store.get(keys.clusterCa()).get(wait, TimeUnit.SECONDS);
            if (stored.isEmpty()) {
                ClusterCa created = ClusterCa.create(clock);
                StoredCa record = StoredCa.newBuilder()
                        .setCertificatePem(Pem.encodeCertificate(created.certificate()))
                        .setSealedPrivateKey(com.google.protobuf.ByteString.copyFrom(sealer.seal(
                                Pem.encodePrivateKey(created.privateKey()).getBytes(StandardCharsets.US_ASCII))))
                        .build();
                var r = store.txn(List.of(Compare.absent(keys.clusterCa())),
                        List.of(Op.put(keys.clusterCa(), record.toByteArray())), List.of()).get(wait, TimeUnit.SECONDS);
                if (r.succeeded()) return new ClusterPki(created);
                stored = store.get(keys.clusterCa()).get(wait, TimeUnit.SECONDS);   // another replica won the race
                if (stored.isEmpty()) throw new IOException("the cluster CA vanished from the store while starting");
            }
            return new ClusterPki(open(StoredCa.parseFrom(stored.get().value()), sealer, clock));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("the stored cluster CA at " + keys.clusterCa() + " is corrupt", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading the cluster CA", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException("cannot read the cluster CA from the state store: " + cause.getMessage(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("cannot read the cluster CA from the state store: no answer within " + wait + "s", e);
        }
    }

    private static ClusterCa open(StoredCa stored, KeySealer sealer, Clock clock) throws IOException {
        byte[] keyPem;
        try {
            keyPem = sealer.open(stored.getSealedPrivateKey().toByteArray());
        } catch (SealedDataException e) {
            throw new IOException("the cluster CA in the store was sealed with another cluster key: copy the cluster key "
                    + "file from the data directory of a scheduler server of this cluster (--cluster-key)", e);
        }
        try {
            return ClusterCa.fromPem(stored.getCertificatePem(), new String(keyPem, StandardCharsets.US_ASCII), clock);
        } catch (IllegalArgumentException e) {
            throw new IOException("the stored cluster CA cannot be used: " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(keyPem, (byte) 0);
        }
    }

    public ClusterCa ca() {
        return ca;
    }

    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    /**
     * A fresh key and scheduler certificate for this replica, naming {@code extraNames} (DNS names
     * or IP addresses), {@code localhost}, this host's name and every address of its interfaces, so
     * that agents and CLIs can reach it by any of them.
     */
    public RenewableKeyManager issueSchedulerKeys(List<String> extraNames) {
        Set<String> dns = new LinkedHashSet<>(List.of("localhost"));
        Set<InetAddress> ips = new LinkedHashSet<>();
        try {
            ips.add(InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (String name : extraNames) {
            if (name == null || name.isBlank()) continue;
            String n = name.trim();
            if (looksLikeIp(n)) {
                try {
                    ips.add(InetAddress.getByName(n));
                } catch (IOException e) {
                    throw new IllegalArgumentException("not an IP address: " + n);
                }
            } else if (!"0.0.0.0".equals(n) && !"::".equals(n)) {
                dns.add(n.toLowerCase(java.util.Locale.ROOT));
            }
        }
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (host != null && !host.isBlank() && !looksLikeIp(host)) dns.add(host.toLowerCase(java.util.Locale.ROOT));
        } catch (IOException e) {
            // no resolvable host name: the addresses still serve
        }
        ips.addAll(interfaceAddresses());
        KeyPair pair = EcKeys.generate();
        List<String> dnsNames = new ArrayList<>();
        for (String d : dns) {
            if (d.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) dnsNames.add(d);
        }
        X509Certificate cert = ca.issueScheduler(pair.getPublic(), dnsNames, new ArrayList<>(ips), SCHEDULER_CERT_LIFETIME);
        return new RenewableKeyManager(pair.getPrivate(), List.of(cert, ca.certificate()));
    }

    private static boolean looksLikeIp(String s) {
        return s.matches("[0-9.]+") || s.contains(":");
    }

    private static List<InetAddress> interfaceAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (!a.isLinkLocalAddress()) out.add(InetAddress.getByAddress(a.getAddress()));   // drops the scope id
                }
            }
        } catch (SocketException | java.net.UnknownHostException e) {
            // no interfaces to list: loopback and the names given still serve
        }
        return out;
    }
}
