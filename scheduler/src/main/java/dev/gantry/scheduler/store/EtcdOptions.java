package dev.gantry.scheduler.store;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link EtcdStore} reaches etcd: its client URLs, each call's deadline, and optionally
 * client TLS ({@link EtcdTls}) and a user and password ({@link EtcdCredentials}).
 *
 * <p>The URLs' scheme decides the transport, as for {@code etcdctl}: all {@code http://}
 * (plaintext) or all {@code https://} (TLS; without {@link #tls} it trusts the JDK's default
 * CAs and presents no client certificate). TLS files with an {@code http://} URL are refused
 * rather than silently unused. Nothing here dials etcd.
 */
public record EtcdOptions(List<String> endpoints, Duration callTimeout, EtcdTls tls, EtcdCredentials credentials) {
    /**
     * @throws IllegalArgumentException when no endpoint is given, one is not an http(s)://host:port
     *     URL, the schemes are mixed, or TLS is configured for http:// endpoints
     */
    public EtcdOptions {
        Objects.requireNonNull(callTimeout, "callTimeout");
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoints given");
        }
        if (callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("the etcd call timeout must be positive, not " + callTimeout);
        }
        long secure = endpoints.stream().filter(EtcdOptions::isHttps).count();
        if (secure != 0 && secure != endpoints.size()) {
            throw new IllegalArgumentException("etcd endpoints mix http:// and https:// (" + String.join(",", endpoints)
                    + "): use one scheme for all");
        }
        if (tls != null && secure == 0) {
            throw new IllegalArgumentException("etcd TLS files are given but the endpoints are plaintext http:// ("
                    + String.join(",", endpoints) + "): use https:// URLs");
        }
    }

    /** Plaintext or default TLS (by the URLs' scheme), no credentials, {@link EtcdStore#DEFAULT_CALL_TIMEOUT}. */
    public static EtcdOptions of(List<String> endpoints) {
        return new EtcdOptions(endpoints, EtcdStore.DEFAULT_CALL_TIMEOUT, null, null);
    }

    public EtcdOptions withCallTimeout(Duration timeout) {
        return new EtcdOptions(endpoints, timeout, tls, credentials);
    }

    public EtcdOptions withTls(EtcdTls tls) {
        return new EtcdOptions(endpoints, callTimeout, tls, credentials);
    }

    public EtcdOptions withCredentials(EtcdCredentials credentials) {
        return new EtcdOptions(endpoints, callTimeout, tls, credentials);
    }

    /** Whether connections use TLS (the endpoints are https://). */
    public boolean secure() {
        return isHttps(endpoints.get(0));
    }

    private static boolean isHttps(String endpoint) {
        URI uri;
        try {
            uri = URI.create(endpoint.trim());
        } catch (IllegalArgumentException e) {
            uri = URI.create("invalid:/");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("etcd endpoint \"" + endpoint
                    + "\" is not an http://HOST:PORT or https://HOST:PORT URL (e.g. https://10.0.0.5:2379)");
        }
        return scheme.equals("https");
    }

    @Override
    public String toString() {
        return "EtcdOptions[" + String.join(",", endpoints) + ", timeout " + callTimeout
                + (tls == null ? "" : ", " + tls) + (credentials == null ? "" : ", user " + credentials.user()) + "]";
    }
}
