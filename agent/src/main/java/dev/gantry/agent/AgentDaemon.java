package dev.gantry.agent;

import dev.gantry.agent.alloc.AllocationSupervisor;
import dev.gantry.agent.alloc.ImageResolver;
import dev.gantry.agent.alloc.NodeContext;
import dev.gantry.agent.network.NetworkModes;
import dev.gantry.agent.network.NetworkSettings;
import dev.gantry.agent.connect.SchedulerConnection;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.image.ImageGcPolicy;
import dev.gantry.agent.image.ImageStore;
import dev.gantry.agent.logs.LogServiceImpl;
import dev.gantry.agent.network.dns.CatalogFeed;
import dev.gantry.agent.network.dns.DnsServer;
import dev.gantry.agent.network.dns.ServiceCatalog;
import dev.gantry.agent.node.Fingerprint;
import dev.gantry.agent.node.NodeIdentity;
import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.PortRange;
import dev.gantry.api.v1.Resources;
import io.grpc.Server;
import dev.gantry.api.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires one agent: identity and fingerprint, local state (re-adopting containers of an
 * earlier process first), the allocation supervisor, the stream to the schedulers and the
 * agent's own gRPC port (logs). Closing it leaves containers running.
 */
public final class AgentDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentDaemon.class);
    public static final Duration DEFAULT_IMAGE_GC_INTERVAL = Duration.ofMinutes(5);

    /**
     * @param advertiseHost the address schedulers and CLIs use to reach this agent, and the host IP tasks see
     * @param reservedCpuMillis,reservedMemoryBytes what the agent keeps for the system, not offered to allocations
     * @param imageGcInterval how often unused images are collected under {@code imageGc}; zero: never
     * @param network how allocations are networked; null: {@link NetworkSettings#defaults} under the data dir
     */
    public record Config(List<String> schedulers, Path dataDir, String nodeName, Map<String, String> labels,
                         String bindHost, int port, String advertiseHost, int dynamicPortLow, int dynamicPortHigh,
                         long reservedCpuMillis, long reservedMemoryBytes, Path registryConfig,
                         java.util.Set<String> insecureRegistries, ImageGcPolicy imageGc, Duration imageGcInterval,
                         NetworkSettings network) {
        public Config {
            if (network == null) network = NetworkSettings.defaults(dataDir);
            labels = Map.copyOf(labels);
            insecureRegistries = java.util.Set.copyOf(insecureRegistries);
        }

        /** A config with defaults for everything but where the schedulers are and where the agent keeps its data. */
        public static Builder builder(List<String> schedulers, Path dataDir) {
            return new Builder(schedulers, dataDir);
        }
    }

    /**
     * Builds a {@link Config}: every setting has a default (a random port on all interfaces,
     * advertised as 127.0.0.1; dynamic ports 20000-32000; nothing reserved; the default Docker
     * config.json, HTTPS registries only; {@link ImageGcPolicy#DEFAULTS} every
     * {@link #DEFAULT_IMAGE_GC_INTERVAL}; {@link NetworkSettings#defaults}).
     */
    public static final class Builder {
        private final List<String> schedulers;
        private final Path dataDir;
        private String nodeName;
        private Map<String, String> labels = Map.of();
        private String bindHost = "0.0.0.0";
        private int port;
        private String advertiseHost = "127.0.0.1";
        private int dynamicPortLow = 20000;
        private int dynamicPortHigh = 32000;
        private long reservedCpuMillis;
        private long reservedMemoryBytes;
        private Path registryConfig = dev.gantry.agent.image.RegistryCredentials.defaultPath();
        private java.util.Set<String> insecureRegistries = java.util.Set.of();
        private ImageGcPolicy imageGc = ImageGcPolicy.DEFAULTS;
        private Duration imageGcInterval = DEFAULT_IMAGE_GC_INTERVAL;
        private NetworkSettings network;

        private Builder(List<String> schedulers, Path dataDir) {
            this.schedulers = List.copyOf(schedulers);
            this.dataDir = dataDir;
        }

        /** Null or empty: the host name. */
        public Builder nodeName(String name) {
            this.nodeName = name;
            return this;
        }

        public Builder labels(Map<String, String> labels) {
            this.labels = labels;
            return this;
        }

        /** The agent's own gRPC port (0: any free one). */
        public Builder bind(String host, int port) {
            this.bindHost = host;
            this.port = port;
            return this;
        }

        /** The address schedulers and CLIs reach this agent at, and the host IP tasks see. */
        public Builder advertise(String host) {
            this.advertiseHost = host;
            return this;
        }

        public Builder dynamicPorts(int low, int high) {
            this.dynamicPortLow = low;
            this.dynamicPortHigh = high;
            return this;
        }

        /** What the agent keeps for the system, not offered to allocations. */
        public Builder reserved(long cpuMillis, long memoryBytes) {
            this.reservedCpuMillis = cpuMillis;
            this.reservedMemoryBytes = memoryBytes;
            return this;
        }

        public Builder registries(Path dockerConfig, java.util.Set<String> insecure) {
            this.registryConfig = dockerConfig;
            this.insecureRegistries = insecure;
            return this;
        }

        /** {@code interval} zero: never. */
        public Builder imageGc(ImageGcPolicy policy, Duration interval) {
            this.imageGc = policy;
            this.imageGcInterval = interval;
            return this;
        }

        public Builder network(NetworkSettings network) {
            this.network = network;
            return this;
        }

        public Config build() {
            return new Config(schedulers, dataDir, nodeName, labels, bindHost, port, advertiseHost, dynamicPortLow,
                    dynamicPortHigh, reservedCpuMillis, reservedMemoryBytes, registryConfig, insecureRegistries, imageGc,
                    imageGcInterval, network);
        }
    }

    private final SchedulerConnection connection;
    private final AllocationSupervisor supervisor;
    private final Server server;
    private final String nodeId;
    private final ScheduledExecutorService imageGc;
    private final ServiceCatalog services;
    private final java.util.List<DnsServer> dnsServers = new java.util.concurrent.CopyOnWriteArrayList<>();

    private AgentDaemon(SchedulerConnection connection, AllocationSupervisor supervisor, Server server, String nodeId,
                        ScheduledExecutorService imageGc, ServiceCatalog services) {
        this.services = services;
        this.connection = connection;
        this.supervisor = supervisor;
        this.server = server;
        this.nodeId = nodeId;
        this.imageGc = imageGc;
    }

    public static AgentDaemon start(Config config, List<TaskDriver> drivers) throws IOException {
        return start(config, images -> drivers);
    }

    /**
     * Starts an agent with the drivers {@code drivers} makes, given the agent's image store (the
     * docker driver loads local archives through it). Every driver is fingerprinted; those that
     * fail (say, no Docker Engine answers) are left out, closed, and the node does not offer them.
     */
    public static AgentDaemon start(Config config, java.util.function.Function<ImageStore, List<TaskDriver>> drivers)
            throws IOException {
        return start(config, drivers, Transport.plaintext());
    }

    /** As above; {@code transport} secures the agent's own port and its connection to the schedulers. */
    public static AgentDaemon start(Config config, java.util.function.Function<ImageStore, List<TaskDriver>> drivers,
                                    Transport transport) throws IOException {
        String nodeId = NodeIdentity.loadOrCreate(config.dataDir());
        String name = config.nodeName() == null || config.nodeName().isEmpty() ? Fingerprint.hostname() : config.nodeName();
        ImageStore images = new ImageStore(config.dataDir().resolve("images"), new dev.gantry.agent.image.RegistryClient(
                dev.gantry.agent.image.RegistryCredentials.fromDockerConfig(config.registryConfig()), config.insecureRegistries()));
        Map<String, String> attributes = new TreeMap<>(Fingerprint.attributes());
        Map<String, TaskDriver> usable = new LinkedHashMap<>();
        for (TaskDriver d : drivers.apply(images)) {
            try {
                attributes.putAll(d.fingerprint());
                usable.put(d.name(), d);
            } catch (DriverException e) {
                log.warn("driver {} is not usable on this server: {}", d.name(), e.getMessage());
                if (d instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception ce) {
                        log.debug("closing driver {}", d.name(), ce);
                    }
                }
            }
        }
        if (usable.isEmpty()) throw new IOException("no task driver is usable on this server (see the warnings above)");

        LocalState local = new LocalState(config.dataDir());
        NetworkModes networks = NetworkModes.create(config.network());
        // What placement will need to know: whether this node can run bridge-mode jobs, and on which subnet.
        if (networks.bridgeUnavailable().isEmpty()) {
            attributes.put("network.bridge", "1");
            if (config.network().cniConfigDir() == null) attributes.put("network.subnet", config.network().subnet().toString());
        }
        NodeContext ctx = new NodeContext(nodeId, name, config.advertiseHost());

        var logs = new LogServiceImpl(local);
        Server server = transport.server(new InetSocketAddress(config.bindHost(), config.port()))
                .addService(transport.isTls()
                        ? io.grpc.ServerInterceptors.intercept(logs, new dev.gantry.agent.security.SchedulersOnly()) : logs.bindService())
                .build().start();
        String address = config.advertiseHost() + ":" + server.getPort();

        Node node = Node.newBuilder()
                .setId(nodeId)
                .setName(name)
                .setAddress(address)
                .setCapacity(Resources.newBuilder()
                        .setCpuMillis(Math.max(0, Fingerprint.cpuMillis() - config.reservedCpuMillis()))
                        .setMemoryBytes(Math.max(0, Fingerprint.memoryBytes() - config.reservedMemoryBytes())))
                .putAllAttributes(attributes)
                .putAllLabels(config.labels())
                .addAllDrivers(usable.keySet())
                .setDynamicPorts(PortRange.newBuilder().setLow(config.dynamicPortLow()).setHigh(config.dynamicPortHigh()))
                .build();

        SchedulerConnection[] conn = new SchedulerConnection[1];
        AllocationSupervisor supervisor = new AllocationSupervisor(usable, ImageResolver.of(images), local, ctx,
                Clock.systemUTC(), u -> conn[0].report(u), networks);
        // Fed from the first stream on, so that a DNS server started later (startDns) answers at once.
        ServiceCatalog services = new ServiceCatalog();
        conn[0] = new SchedulerConnection(config.schedulers(), transport, () -> node, supervisor::apply, supervisor::currentReports,
                new CatalogFeed(services));
        supervisor.recover();
        // Before the scheduler connection: nothing new starts while leftovers are sorted out.
        supervisor.removeOrphanContainers();
        supervisor.removeOrphanNetworks();
        conn[0].start();
        log.info("agent {} ({}) serving on {}, drivers {}", name, nodeId, address, usable.keySet());
        return new AgentDaemon(conn[0], supervisor, server, nodeId, startImageGc(config, images, supervisor), services);
    }

    /** Collects unused images every interval, after the allocations were re-adopted (they are what is in use). */
    private static ScheduledExecutorService startImageGc(Config config, ImageStore images, AllocationSupervisor supervisor) {
        if (config.imageGcInterval().isZero()) return null;
        ScheduledExecutorService gc = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "image-gc");
            t.setDaemon(true);
            return t;
        });
        long every = config.imageGcInterval().toMillis();
        gc.scheduleWithFixedDelay(() -> {
            try {
                images.collectGarbage(config.imageGc(), supervisor.imagesInUse());
            } catch (IOException | RuntimeException e) {
                log.warn("image garbage collection failed: {}", e.toString());
            }
        }, every, every, TimeUnit.MILLISECONDS);
        return gc;
    }

    public String nodeId() {
        return nodeId;
    }

    public int port() {
        return server.getPort();
    }

    /** Stops every container on this node (for `gantry dev`, whose state dies with it); then close(). */
    public void stopAllAllocations(java.time.Duration timeout) throws InterruptedException {
        connection.close();
        supervisor.stopAll(timeout);
    }

    /** The ready replicas of the cluster as the scheduler last sent them (what the DNS server answers from). */
    public ServiceCatalog serviceCatalog() {
        return services;
    }

    /**
     * Starts a DNS server for service names on {@code bind} (the bridge's gateway, port 53),
     * forwarding other names to the host's resolvers; closed with the agent. Not called at
     * startup: bridge networking calls it once its bridge exists.
     */
    public DnsServer startDns(InetSocketAddress bind) throws IOException {
        DnsServer dns = DnsServer.start(services, DnsServer.Settings.forHost(bind));
        dnsServers.add(dns);
        return dns;
    }

    public boolean isRegistered() {
        return connection.isRegistered();
    }

    @Override
    public void close() {
        if (imageGc != null) imageGc.shutdownNow();
        dnsServers.forEach(DnsServer::close);
        connection.close();
        supervisor.close();
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
