package dev.gantry.agent.health;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The http and tcp probes against real servers on loopback. */
class ProbeTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private HttpServer http;
    private final AtomicInteger status = new AtomicInteger(200);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        if (http != null) http.stop(0);
    }

    private int startHttp() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/healthz", ex -> {
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        http.createContext("/slow", ex -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        http.start();
        return http.getAddress().getPort();
    }

    @Test
    void httpPassesOn2xxAnd3xxAndFailsOtherwise() throws Exception {
        HttpProbe probe = new HttpProbe("127.0.0.1", startHttp(), "/healthz");
        assertThat(probe.probe(TIMEOUT).ok()).isTrue();
        status.set(302);
        assertThat(probe.probe(TIMEOUT).ok()).isTrue();
        status.set(500);
        ProbeResult r = probe.probe(TIMEOUT);
        assertThat(r.ok()).isFalse();
        assertThat(r.detail()).startsWith("HTTP 500");
        status.set(404);
        assertThat(probe.probe(TIMEOUT).ok()).isFalse();
    }

    @Test
    void httpFailsWhenTheAnswerTakesLongerThanTheTimeout() throws Exception {
        HttpProbe probe = new HttpProbe("127.0.0.1", startHttp(), "/slow");
        long t0 = System.nanoTime();
        ProbeResult r = probe.probe(Duration.ofMillis(200));
        assertThat(r.ok()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void httpAndTcpFailWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(new HttpProbe("127.0.0.1", port, "/").probe(TIMEOUT).ok()).isFalse();
        ProbeResult r = new TcpProbe("127.0.0.1", port).probe(TIMEOUT);
        assertThat(r.ok()).isFalse();
        assertThat(r.detail()).contains("127.0.0.1:" + port);
    }

    @Test
    void tcpPassesWhenSomethingListens() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(new TcpProbe("127.0.0.1", s.getLocalPort()).probe(TIMEOUT).ok()).isTrue();
        }
    }
}
