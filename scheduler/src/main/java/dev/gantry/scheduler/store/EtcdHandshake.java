package dev.gantry.scheduler.store;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Explains why etcd does not answer. gRPC waits for a connection until the call's deadline and
 * then reports only that time ran out, which hides a refused certificate; this dials each
 * endpoint once itself (TCP, then for https:// a TLS handshake with the store's own trust and
 * client certificate, then a short read, since under TLS 1.3 a refused client certificate shows
 * only after the handshake) and says what went wrong. Blocking; used only after a call timed out.
 */
final class EtcdHandshake {
    private static final Duration READ_WAIT = Duration.ofMillis(300);
    private static final String NO_ANSWER = "accepts connections but does not answer (paused, overloaded or not etcd?)";

    private EtcdHandshake() {
    }

    /** What fails on each endpoint, one "endpoint: problem" per line; empty when every one accepts us. */
    static Optional<String> problems(EtcdOptions options, Duration timeout) {
        List<String> problems = new ArrayList<>();
        for (String endpoint : options.endpoints()) {
            problem(endpoint.trim(), options, timeout).ifPresent(p -> problems.add(endpoint.trim() + ": " + p));
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    private static Optional<String> problem(String endpoint, EtcdOptions options, Duration timeout) {
        URI uri = URI.create(endpoint);
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket tcp = new Socket()) {
            try {
                tcp.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), millis);
            } catch (IOException e) {
                return Optional.of("cannot connect (" + e.getMessage() + ")");
            }
            if (!options.secure()) return plaintextProblem(tcp);
            EtcdTls tls = options.tls() != null ? options.tls() : new EtcdTls(List.of(), null, List.of());
            SSLSocket socket = (SSLSocket) context(tls).getSocketFactory().createSocket(tcp, uri.getHost(), uri.getPort(), false);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(millis);
            socket.startHandshake();
            socket.setSoTimeout((int) READ_WAIT.toMillis());
            try {
                socket.getInputStream().read();
            } catch (SocketTimeoutException e) {
                return Optional.empty(); // etcd waits for our first request: it accepted us
            }
            return Optional.empty();
        } catch (SocketTimeoutException e) {
            return Optional.of(NO_ANSWER);
        } catch (SSLHandshakeException e) {
            return Optional.of(explain(e, options));
        } catch (SSLException e) {
            return Optional.of(explain(e, options));
        } catch (IOException e) {
            return Optional.of("cannot connect (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            return Optional.of("cannot set up TLS (" + e.getMessage() + ")");
        }
    }

    /**
     * What is wrong when etcd does not answer a plaintext HTTP request with HTTP. A TLS listener
     * closes the connection, sends an alert, or (Go's own) answers 400 "Client sent an HTTP request
     * to an HTTPS server"; a paused or overloaded etcd says nothing.
     */
    private static Optional<String> plaintextProblem(Socket tcp) throws IOException {
        tcp.getOutputStream().write("GET /version HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        tcp.getOutputStream().flush();
        tcp.setSoTimeout((int) READ_WAIT.toMillis());
        byte[] answer = new byte[256];
        int n;
        try {
            n = tcp.getInputStream().read(answer);
        } catch (SocketTimeoutException e) {
            return Optional.of(NO_ANSWER);
        } catch (IOException e) {
            n = -1; // reset
        }
        String text = n <= 0 ? "" : new String(answer, 0, n, StandardCharsets.ISO_8859_1);
        if (text.startsWith("HTTP/") && !text.contains("HTTPS")) return Optional.empty();
        return Optional.of("no plaintext answer to an HTTP request: if etcd speaks TLS here, use https:// URLs");
    }

    private static String explain(SSLException e, EtcdOptions options) {
        String message = String.valueOf(e.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        boolean presented = options.tls() != null && options.tls().hasClientCertificate();
        if (lower.contains("certificate_required") || (!presented && lower.contains("bad_certificate"))) {
            return "etcd requires a client certificate and none is configured (" + message + ")";
        }
        if (lower.contains("bad_certificate") || lower.contains("unknown_ca") || lower.contains("certificate_unknown")
                || lower.contains("unsupported_certificate") || lower.contains("certificate_expired")) {
            return "etcd refused our client certificate; is it issued by a CA in etcd's --trusted-ca-file? (" + message + ")";
        }
        if (lower.contains("subject alternative name") || lower.contains("no name matching")) {
            return "etcd's certificate does not name this host (" + message + ")";
        }
        if (lower.contains("pkix") || lower.contains("certification path") || lower.contains("unable to find valid")) {
            return "etcd's certificate is not issued by a trusted CA"
                    + (options.tls() != null && !options.tls().trusted().isEmpty() ? " (the etcd CA file's)" : " (the JDK's default CAs)")
                    + " (" + message + ")";
        }
        if (lower.contains("unrecognized ssl message") || lower.contains("plaintext")) {
            return "does not speak TLS; use an http:// URL for a plaintext etcd (" + message + ")";
        }
        return "TLS handshake failed (" + message + ")";
    }

    private static SSLContext context(EtcdTls tls) throws GeneralSecurityException, IOException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (tls.trusted().isEmpty()) {
            tmf.init((KeyStore) null);
        } else {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate ca : tls.trusted()) trust.setCertificateEntry("ca" + i++, ca);
            tmf.init(trust);
        }
        KeyManagerFactory kmf = null;
        if (tls.hasClientCertificate()) {
            char[] password = "in-memory".toCharArray();
            KeyStore own = KeyStore.getInstance("PKCS12");
            own.load(null, null);
            own.setKeyEntry("client", tls.key(), password, tls.chain().toArray(X509Certificate[]::new));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(own, password);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }
}
