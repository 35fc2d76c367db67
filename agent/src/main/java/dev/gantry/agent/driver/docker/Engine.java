package dev.gantry.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * The agent's connections to one Docker Engine (unix:// or plain tcp://; TLS is not supported).
 * Two clients: {@code requests} for calls that answer at once, bounded by a response timeout,
 * and {@code streams} for calls that last as long as a container (wait, logs, exec), with no
 * read timeout and room for the two long connections each running container holds.
 */
record Engine(URI host, DockerClient requests, DockerClient streams) implements AutoCloseable {
    public static final URI DEFAULT_HOST = URI.create("unix:///var/run/docker.sock");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Generous: creating a container from a large image and loading an image take a while. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(5);
    private static final int REQUEST_CONNECTIONS = 32;
    private static final int STREAM_CONNECTIONS = 4096;

    static Engine connect(URI host) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host.toString()).withDockerTlsVerify(false).build();
        DockerClient requests = DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder()
                .dockerHost(host).maxConnections(REQUEST_CONNECTIONS)
                .connectionTimeout(CONNECT_TIMEOUT).responseTimeout(RESPONSE_TIMEOUT).build());
        DockerClient streams = DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder()
                .dockerHost(host).maxConnections(STREAM_CONNECTIONS).connectionTimeout(CONNECT_TIMEOUT).build());
        return new Engine(host, requests, streams);
    }

    /** Whether the engine runs on this machine, so that pids it reports can be signalled from here. */
    boolean local() {
        return "unix".equals(host.getScheme());
    }

    @Override
    public void close() {
        for (DockerClient c : new DockerClient[] {requests, streams}) {
            try {
                c.close();
            } catch (IOException e) {
                // closing sockets; nothing to do about it
            }
        }
    }
}
