package dev.gantry.agent.health;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;

/**
 * GET {@code http://host:port/path}: a 2xx or 3xx answer within the timeout passes. Redirects
 * are not followed (a 3xx already proves the server answers), as Kubernetes does for probes.
 */
public final class HttpProbe implements Probe {
    private final URI uri;

    public HttpProbe(String host, int port, String path) {
        this.uri = URI.create("http://" + host + ":" + port + (path.isEmpty() ? "/" : path));
    }

    @Override
    public ProbeResult probe(Duration timeout) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            c.setConnectTimeout(millis);
            c.setReadTimeout(millis);
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setRequestProperty("User-Agent", "gantry-health-check");
            int status = c.getResponseCode();
            drain(c);
            String detail = "HTTP " + status + " from " + uri;
            return status >= 200 && status < 400 ? ProbeResult.pass(detail) : ProbeResult.fail(detail);
        } catch (IOException e) {
            return ProbeResult.fail(uri + ": " + e.getMessage());
        } finally {
            if (c != null) c.disconnect();
        }
    }

    /** Reads the body away so the connection closes cleanly; its content does not matter. */
    private static void drain(HttpURLConnection c) {
        try (InputStream in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null) in.readNBytes(64 * 1024);
        } catch (IOException ignored) {
            // the status already decided the result
        }
    }
}
