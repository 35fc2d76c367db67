package dev.gantry.scheduler;

import com.sun.net.httpserver.HttpServer;
import dev.gantry.scheduler.health.StoreHealth;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The scheduler's HTTP port: {@code /healthz} answers 200 "ok leader" or "ok standby" while the
 * store answers, and 503 "degraded ..." when it does not, so load balancers and operators can
 * tell. A standby is healthy: it serves the API and agent streams, only decisions wait for it
 * to lead. The answer comes from the last probe of {@link StoreHealth} (the same one the API's
 * {@code degraded} fields report), so a hung store never hangs a health check.
 */
final class HealthEndpoint implements AutoCloseable {
    private final HttpServer http;

    private HealthEndpoint(HttpServer http) {
        this.http = http;
    }

    /**
     * {@code role}: "leader" or "standby", asked on every request. {@code keys} non-null: HTTPS only
     * (TLS 1.3) with this replica's certificate; /healthz asks for no client credentials.
     */
    static HealthEndpoint start(String host, int port, StoreHealth store, Supplier<String> role,
                                dev.gantry.api.transport.RenewableKeyManager keys) throws IOException {
        HttpServer http;
        if (keys == null) {
            http = HttpServer.create(new InetSocketAddress(host, port), 0);
        } else {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(host, port), 0);
            try {
                javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
                tls.init(new javax.net.ssl.KeyManager[]{keys}, null, null);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls) {
                    @Override
                    public void configure(com.sun.net.httpserver.HttpsParameters params) {
                        javax.net.ssl.SSLParameters p = tls.getDefaultSSLParameters();
                        p.setProtocols(new String[]{"TLSv1.3"});
                        params.setSSLParameters(p);
                    }
                });
            } catch (java.security.GeneralSecurityException e) {
                https.stop(0);
                throw new IOException("cannot set up HTTPS: " + e.getMessage(), e);
            }
            http = https;
        }
        http.createContext("/healthz", ex -> {
            String degraded = store.degraded();
            int code = degraded.isEmpty() ? 200 : 503;
            String body = degraded.isEmpty() ? "ok " + role.get() + "\n" : "degraded " + role.get() + ": " + degraded + "\n";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, bytes.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        });
        http.start();
        return new HealthEndpoint(http);
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
