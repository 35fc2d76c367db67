package dev.gantry.scheduler.store;

import dev.gantry.api.security.ClusterCa;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.Pem;
import dev.gantry.testing.EtcdServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates for a TLS etcd, made with the cluster's own {@link ClusterCa}: a CA whose server
 * certificate (IP SAN 127.0.0.1) etcd serves and whose client certificates etcd accepts, a client
 * certificate from it, and one from another CA that etcd does not trust. All as PEM files in a
 * directory.
 */
record EtcdPki(Path dir, Path caFile, Path serverCert, Path serverKey, Path clientCert, Path clientKey,
               Path foreignCaFile, Path foreignCert, Path foreignKey, SSLContext healthClient) {
    private static final Duration LIFETIME = Duration.ofHours(1);

    static EtcdPki create(Path dir) throws IOException, GeneralSecurityException {
        Clock clock = Clock.systemUTC();
        ClusterCa ca = ClusterCa.create(clock);
        ClusterCa foreign = ClusterCa.create(clock);
        Path caFile = dir.resolve("ca.pem");
        Pem.writeCertificates(caFile, List.of(ca.certificate()));
        Path foreignCaFile = dir.resolve("foreign-ca.pem");
        Pem.writeCertificates(foreignCaFile, List.of(foreign.certificate()));

        KeyPair serverKeys = EcKeys.generate();
        X509Certificate server = ca.issueServer(serverKeys.getPublic(), List.of("localhost"),
                List.of(InetAddress.getByName("127.0.0.1")), LIFETIME);
        Path serverCert = write(dir, "etcd-server", server, serverKeys);

        KeyPair clientKeys = EcKeys.generate();
        X509Certificate client = ca.issueNode(clientKeys.getPublic(), "gantry-scheduler", LIFETIME);
        Path clientCert = write(dir, "scheduler", client, clientKeys);

        KeyPair foreignKeys = EcKeys.generate();
        X509Certificate foreignClient = foreign.issueNode(foreignKeys.getPublic(), "gantry-scheduler", LIFETIME);
        Path foreignCert = write(dir, "foreign", foreignClient, foreignKeys);

        return new EtcdPki(dir, caFile, serverCert, dir.resolve("etcd-server-key.pem"), clientCert,
                dir.resolve("scheduler-key.pem"), foreignCaFile, foreignCert, dir.resolve("foreign-key.pem"),
                sslContext(ca.certificate(), client, clientKeys));
    }

    /** What {@link EtcdServer#startSecureForTest} needs. */
    EtcdServer.Tls serverTls() {
        return new EtcdServer.Tls(serverCert, serverKey, caFile, healthClient);
    }

    /** TLS as the scheduler would configure it: etcd's CA and the scheduler's client certificate. */
    EtcdTls clientTls() {
        return EtcdTls.load(caFile, clientCert, clientKey, Clock.systemUTC());
    }

    private static Path write(Path dir, String name, X509Certificate certificate, KeyPair keys) throws IOException {
        Path cert = dir.resolve(name + ".pem");
        Pem.writeCertificates(cert, List.of(certificate));
        Pem.writePrivateKey(dir.resolve(name + "-key.pem"), keys.getPrivate());
        return cert;
    }

    private static SSLContext sslContext(X509Certificate ca, X509Certificate client, KeyPair keys)
            throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore own = KeyStore.getInstance("PKCS12");
        own.load(null, null);
        char[] password = "test".toCharArray();
        own.setKeyEntry("client", keys.getPrivate(), password, new X509Certificate[] {client});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(own, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }
}
