package dev.gantry.agent.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** Passes when a TCP connection to {@code host:port} opens within the timeout. */
public final class TcpProbe implements Probe {
    private final String host;
    private final int port;

    public TcpProbe(String host, int port) {
        this.host = host;
        this.port = port;
    }

    @Override
    public ProbeResult probe(Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            return ProbeResult.pass("connected to " + host + ":" + port);
        } catch (IOException e) {
            return ProbeResult.fail(host + ":" + port + ": " + e.getMessage());
        }
    }
}
