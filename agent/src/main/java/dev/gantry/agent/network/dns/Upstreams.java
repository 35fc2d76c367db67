package dev.gantry.agent.network.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The resolvers that names outside {@code gantry.} are forwarded to, read from a resolv.conf.
 *
 * <p>Never forwarded to, since that would loop or cannot be what the operator meant: the
 * server's own address, any local address on its port when it listens on the wildcard, and
 * systemd-resolved's stub listeners (127.0.0.53, 127.0.0.54). When /etc/resolv.conf names only
 * the stub, {@link #hostResolvConf()} picks systemd-resolved's list of real upstreams instead,
 * as Docker does. When nothing is left, the server answers SERVFAIL for every name it forwards.
 */
public final class Upstreams {
    public static final int DNS_PORT = 53;
    static final Path ETC_RESOLV_CONF = Path.of("/etc/resolv.conf");
    static final Path SYSTEMD_RESOLV_CONF = Path.of("/run/systemd/resolve/resolv.conf");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private Upstreams() {
    }

    /** /etc/resolv.conf, or systemd-resolved's upstream list when the former names only its stub. */
    public static Path hostResolvConf() {
        try {
            List<InetSocketAddress> listed = nameservers(ETC_RESOLV_CONF);
            boolean onlyStub = !listed.isEmpty() && listed.stream().allMatch(a -> isSystemdStub(a.getAddress()));
            if (onlyStub && Files.isReadable(SYSTEMD_RESOLV_CONF)) return SYSTEMD_RESOLV_CONF;
        } catch (IOException e) {
            // fall through: the caller reads it and reports the failure
        }
        return ETC_RESOLV_CONF;
    }

    /** The {@code nameserver} entries of {@code resolvConf} (port 53), minus those that would loop to {@code self}. */
    public static List<InetSocketAddress> fromResolvConf(Path resolvConf, InetSocketAddress self) throws IOException {
        return usable(nameservers(resolvConf), self);
    }

    /** {@code candidates} in order, minus those that would reach {@code self} or a systemd stub. */
    public static List<InetSocketAddress> usable(List<InetSocketAddress> candidates, InetSocketAddress self) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress c : candidates) {
            if (!loops(c, self) && !out.contains(c)) out.add(c);
        }
        return List.copyOf(out);
    }

    static List<InetSocketAddress> nameservers(Path resolvConf) throws IOException {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String line : Files.readAllLines(resolvConf)) {
            String[] words = line.trim().split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver")) continue;
            InetAddress address = literal(words[1]);
            if (address != null) out.add(new InetSocketAddress(address, DNS_PORT));
        }
        return out;
    }

    static boolean loops(InetSocketAddress upstream, InetSocketAddress self) {
        InetAddress a = upstream.getAddress();
        if (a == null || isSystemdStub(a)) return true;
        if (upstream.getPort() != self.getPort()) return false;
        if (a.equals(self.getAddress())) return true;
        return self.getAddress() != null && self.getAddress().isAnyLocalAddress() && isLocal(a);
    }

    private static boolean isSystemdStub(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 && b[0] == 127 && b[1] == 0 && b[2] == 0 && (b[3] == 53 || b[3] == 54);
    }

    private static boolean isLocal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress()) return true;
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** An IP literal, never a host name (resolving one here would need the resolver we configure). */
    private static InetAddress literal(String s) {
        if (!IPV4.matcher(s).matches() && !s.contains(":")) return null;
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
