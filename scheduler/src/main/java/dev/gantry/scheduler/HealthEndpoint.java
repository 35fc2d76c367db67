package dev.gantry.scheduler;

import com.sun.net.httpserver.HttpServer;
import dev.gantry.scheduler.store.Store;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's HTTP port: {@code /healthz} answers 200 "ok" while the store answers, and
 * 503 "degraded: ..." when it does not, so load balancers and operators can tell.
 */
final class HealthEndpoint implements AutoCloseable {
    private final HttpServer http;

    private HealthEndpoint(HttpServer http) {
        this.http = http;
    }

    static HealthEndpoint start(String host, int port, Store store) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 0);
        http.createContext("/healthz", ex -> {
            int code;
            String body;
            try {
                store.ping().get(2, TimeUnit.SECONDS);
                code = 200;
                body = "ok\n";
            } catch (Exception e) {
                code = 503;
                body = "degraded: state store unreachable (" + e + ")\n";
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
