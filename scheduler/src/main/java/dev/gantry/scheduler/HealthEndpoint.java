package dev.gantry.scheduler;

import com.sun.net.httpserver.HttpServer;
import dev.gantry.scheduler.store.Store;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The scheduler's HTTP port: {@code /healthz} answers 200 "ok leader" or "ok standby" while the
 * store answers, and 503 "degraded ..." when it does not, so load balancers and operators can
 * tell. A standby is healthy: it serves the API and agent streams, only decisions wait for it
 * to lead.
 */
final class HealthEndpoint implements AutoCloseable {
    private final HttpServer http;

    private HealthEndpoint(HttpServer http) {
        this.http = http;
    }

    static HealthEndpoint start(String host, int port, Store store) throws IOException {
        return start(host, port, store, () -> "leader");
    }

    /** {@code role}: "leader" or "standby", asked on every request. */
    static HealthEndpoint start(String host, int port, Store store, Supplier<String> role) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 0);
        http.createContext("/healthz", ex -> {
            int code;
            String body;
            try {
                store.ping().get(2, TimeUnit.SECONDS);
                code = 200;
                body = "ok " + role.get() + "\n";
            } catch (Exception e) {
                code = 503;
                body = "degraded " + role.get() + ": state store unreachable (" + e + ")\n";
            }
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
