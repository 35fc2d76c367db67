package dev.gantry.bench;

import dev.gantry.agent.network.dns.CatalogEntry;
import dev.gantry.agent.network.dns.DnsServer;
import dev.gantry.agent.network.dns.ServiceCatalog;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Issue 13's DNS target (≥ 20,000 queries/s, p99 ≤ 2 ms from one agent): the agent's DNS server
 * on loopback, answering from a catalog of {@code jobs} × {@code replicas} ready replicas, next
 * to a trivial Netty UDP echo server on the same kind of event loop (one NIO thread) under the
 * same load, as the baseline of what this machine's loopback, JVM and load client allow.
 * Each target gets a warm-up, a closed-loop run (throughput ceiling: {@code sockets} ×
 * {@code window} queries in flight) and an open-loop run at {@code rate} queries/s (latency at
 * the target load). Queries: 50% service names (A), 20% index names (A), 20% SRV, 10% unknown
 * names (NXDOMAIN); names outside the zone are not measured (their cost is the upstream's).
 * Everything runs in this one JVM on the machine's cores, client included.
 * Usage: {@code DnsBenchmark [seconds=5] [rate=20000] [sockets=2] [window=16] [jobs=100] [replicas=3] [rounds=2]}.
 */
public final class DnsBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("seconds", "5", "rate", "20000", "sockets", "2", "window", "16",
                "jobs", "100", "replicas", "3", "rounds", "2"));
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !opt.containsKey(kv[0])) throw new IllegalArgumentException("unknown argument " + a);
            opt.put(kv[0], kv[1]);
        }
        Duration run = Duration.ofSeconds(Long.parseLong(opt.get("seconds")));
        int rate = Integer.parseInt(opt.get("rate"));
        int sockets = Integer.parseInt(opt.get("sockets"));
        int window = Integer.parseInt(opt.get("window"));
        int jobs = Integer.parseInt(opt.get("jobs"));
        int replicas = Integer.parseInt(opt.get("replicas"));
        int rounds = Integer.parseInt(opt.get("rounds"));

        System.out.printf("load before: %s; %d cores; jobs=%d replicas=%d, %ds runs, open loop at %d q/s, closed loop %d sockets × %d in flight%n",
                loadavg(), Runtime.getRuntime().availableProcessors(), jobs, replicas, run.toSeconds(), rate, sockets, window);
        ServiceCatalog catalog = new ServiceCatalog();
        catalog.replaceAll(entries(jobs, replicas));
        List<byte[]> queries = queries(jobs, replicas);

        Echo echo = new Echo();
        DnsServer dns = DnsServer.start(catalog, new DnsServer.Settings(new InetSocketAddress("127.0.0.1", 0), List.of(),
                DnsServer.Settings.DEFAULT_UPSTREAM_TIMEOUT));
        try {
            for (int round = 1; round <= rounds; round++) {
                measure("echo (baseline)", "echo-1", echo.address(), queries, run, rate, sockets, window, new Codes());
                measure("gantry dns", "dns-1", dns.address(), queries, run, rate, sockets, window, new Codes());
            }
        } finally {
            dns.close();
            echo.close();
        }
        System.out.printf("load after: %s%n", loadavg());
    }

    private static void measure(String name, String serverThread, InetSocketAddress target, List<byte[]> queries, Duration run,
                                int rate, int sockets, int window, Codes codes) throws Exception {
        // Warm-up as long as a run: on a busy machine the JIT needs seconds of CPU before C2 code runs.
        UdpLoad.closedLoop(target, queries, sockets, window, run, UdpLoad.ReplyCheck.NONE);
        long cpu0 = threadCpu(serverThread);
        UdpLoad.Result closed = UdpLoad.closedLoop(target, queries, sockets, window, run, codes);
        long cpu1 = threadCpu(serverThread);
        UdpLoad.Result open = UdpLoad.openLoop(target, queries, rate, run, codes);
        System.out.printf("%-16s closed loop: %,8.0f q/s (%s, lost %d, server thread %.1f µs CPU/query) | open loop %,d q/s: %,8.0f q/s answered, %s, lost %d | %s%n",
                name, closed.perSecond(), closed.latency().summary(), closed.lost(),
                (cpu1 - cpu0) / 1e3 / Math.max(1, closed.received()), rate, open.perSecond(), open.latency().summary(),
                open.lost(), codes);
    }

    private static List<CatalogEntry> entries(int jobs, int replicas) throws Exception {
        List<CatalogEntry> out = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            for (int r = 0; r < replicas; r++) {
                InetAddress ip = InetAddress.getByAddress(new byte[]{10, 88, (byte) j, (byte) (r + 2)});
                out.add(new CatalogEntry("a-" + j + "-" + r, "ns" + (j % 4), "job" + j, r, ip, Map.of("http", 8080 + r), true));
            }
        }
        return out;
    }

    private static List<byte[]> queries(int jobs, int replicas) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            int j = (i * 37) % jobs;
            String zone = "job" + j + ".ns" + (j % 4) + ".gantry.";
            int kind = i % 10;
            if (kind < 5) out.add(query(zone, 1));
            else if (kind < 7) out.add(query((i % replicas) + "." + zone, 1));
            else if (kind < 9) out.add(query("_http._tcp." + zone, 33));
            else out.add(query("missing" + i + ".ns0.gantry.", 1));
        }
        return out;
    }

    /** A query in wire form, id 0 (the load generator sets it), recursion desired, class IN. */
    public static byte[] query(String name, int type) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[]{0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.write(l.length);
            b.writeBytes(l);
        }
        b.write(0);
        b.writeBytes(new byte[]{0, (byte) type, 0, 1});
        return b.toByteArray();
    }

    private static long threadCpu(String name) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (long id : mx.getAllThreadIds()) {
            var info = mx.getThreadInfo(id);
            if (info != null && info.getThreadName().equals(name)) return mx.getThreadCpuTime(id);
        }
        return 0;
    }

    private static String loadavg() {
        try {
            return "loadavg " + Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "loadavg unknown";
        }
    }

    /** Response codes seen (a DNS answer's low 4 bits of byte 3); for the echo every message is a query: NOERROR. */
    private static final class Codes implements UdpLoad.ReplyCheck {
        private final LongAdder noError = new LongAdder();
        private final LongAdder nxDomain = new LongAdder();
        private final LongAdder other = new LongAdder();

        @Override
        public void check(byte[] m, int length) {
            int code = length >= 4 ? m[3] & 0xF : -1;
            (code == 0 ? noError : code == 3 ? nxDomain : other).increment();
        }

        @Override
        public String toString() {
            return String.format("NOERROR %,d NXDOMAIN %,d other %,d", noError.sum(), nxDomain.sum(), other.sum());
        }
    }

    /** The baseline: echoes every datagram back, on one NIO event loop thread like the DNS server. */
    private static final class Echo implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "echo-1");
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        private final Channel channel;

        Echo() throws InterruptedException {
            channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 1 << 20)
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            ctx.writeAndFlush(new DatagramPacket(p.content().retain(), p.sender()));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) channel.localAddress();
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
