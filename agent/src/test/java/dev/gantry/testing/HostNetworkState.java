package dev.gantry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Reads what CNI plugins leave on a host (links, namespaces, iptables rules, IPAM files), for leak checks. */
public final class HostNetworkState {
    private HostNetworkState() {
    }

    /** A /24 under 10.248.0.0/16 (no collision with Docker's 172.17/16, common LANs or Gantry's default 10.244/16). */
    public static String randomSubnet() {
        return "10.248." + ThreadLocalRandom.current().nextInt(1, 255) + ".0/24";
    }

    /** A bridge name of at most 15 characters. */
    public static String randomBridge() {
        return "gtst" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    }

    public static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", argv) + " did not finish");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", argv) + " failed (exit " + p.exitValue() + "): " + out);
        return out;
    }

    /** Every iptables rule (nat and filter tables, IPv4) that mentions one of {@code needles}. */
    public static List<String> iptablesRulesMentioning(String... needles) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (String table : List.of("nat", "filter")) {
            for (String line : run("iptables-save", "-t", table).split("\n")) {
                if (Arrays.stream(needles).anyMatch(line::contains)) out.add(table + " " + line);
            }
        }
        return out;
    }

    /** Chain names that appear in iptables (nat and filter). */
    public static List<String> iptablesChains() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (String table : List.of("nat", "filter")) {
            for (String line : run("iptables-save", "-t", table).split("\n")) {
                if (line.startsWith(":")) out.add(table + " " + line.substring(1).split(" ")[0]);
            }
        }
        return out;
    }

    /** The links enslaved to {@code bridge} (the host ends of the veths); empty when the bridge is gone too. */
    public static List<String> linksOf(String bridge) throws IOException, InterruptedException {
        if (!Files.exists(Path.of("/sys/class/net", bridge))) return List.of();
        return Arrays.stream(run("ip", "-o", "link", "show", "master", bridge).split("\n"))
                .filter(l -> !l.isBlank()).toList();
    }

    public static List<String> namespaces() throws IOException {
        Path dir = Path.of("/var/run/netns");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** host-local's reservations under {@code ipamDir} (one file per reserved address, named by it). */
    public static List<String> reservations(Path ipamDir) throws IOException {
        if (!Files.isDirectory(ipamDir)) return List.of();
        try (Stream<Path> s = Files.walk(ipamDir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")).sorted().toList();
        }
    }

    public static void deleteLink(String name) throws IOException, InterruptedException {
        if (Files.exists(Path.of("/sys/class/net", name))) run("ip", "link", "delete", name);
    }

    /** An HTTP/1.0 GET of / over TCP, as busybox httpd answers it; the whole response. */
    public static String httpGet(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 3000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
