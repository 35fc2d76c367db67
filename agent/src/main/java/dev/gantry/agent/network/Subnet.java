package dev.gantry.agent.network;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An IPv4 network in CIDR notation, its address aligned to the prefix (10.244.0.0/24). */
public record Subnet(int address, int prefix) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    public Subnet {
        if (prefix < 8 || prefix > 30) throw new IllegalArgumentException("a node subnet needs a prefix between /8 and /30, got /" + prefix);
        if ((address & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException(format(address) + "/" + prefix + " has host bits set; the network is "
                    + format(address & mask(prefix)) + "/" + prefix);
        }
    }

    public static Subnet parse(String text) {
        String[] parts = text.trim().split("/", -1);
        if (parts.length != 2 || !parts[1].matches("\\d{1,2}")) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 CIDR like 10.244.0.0/24");
        }
        return new Subnet(address(parts[0]), Integer.parseInt(parts[1]));
    }

    /** Whether the IPv4 address {@code ip} lies in this network. */
    public boolean contains(String ip) {
        return (address(ip) & mask(prefix)) == address;
    }

    private static int address(String ip) {
        Matcher m = IPV4.matcher(ip.trim());
        if (!m.matches()) throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address");
        int a = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address: " + octet + " > 255");
            a = (a << 8) | octet;
        }
        return a;
    }

    private static int mask(int prefix) {
        return -1 << (32 - prefix);
    }

    private static String format(int a) {
        return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefix;
    }
}
