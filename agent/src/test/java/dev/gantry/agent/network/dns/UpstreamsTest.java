package dev.gantry.agent.network.dns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamsTest {
    @TempDir
    Path dir;

    private Path resolvConf(String text) throws IOException {
        Path p = dir.resolve("resolv.conf");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void readsNameserversInOrderAndSkipsCommentsOptionsAndHostNames() throws IOException {
        Path conf = resolvConf("""
                # generated
                search example.test
                nameserver 192.0.2.10
                ; nameserver 192.0.2.99
                nameserver   2001:db8::53
                nameserver resolver.example.test
                options ndots:2
                nameserver 192.0.2.11
                nameserver 192.0.2.10
                """);

        List<InetSocketAddress> got = Upstreams.fromResolvConf(conf, new InetSocketAddress("10.88.0.1", 53));

        assertThat(got).containsExactly(new InetSocketAddress("192.0.2.10", 53), new InetSocketAddress("2001:db8::53", 53),
                new InetSocketAddress("192.0.2.11", 53));
    }

    @Test
    void neverForwardsToItselfOrToSystemdResolvedsStub() throws IOException {
        Path conf = resolvConf("nameserver 127.0.0.53\nnameserver 127.0.0.54\nnameserver 10.88.0.1\nnameserver 192.0.2.10\n");

        assertThat(Upstreams.fromResolvConf(conf, new InetSocketAddress("10.88.0.1", 53)))
                .containsExactly(new InetSocketAddress("192.0.2.10", 53));
    }

    @Test
    void onTheWildcardEveryLocalAddressOnItsPortWouldLoop() {
        InetSocketAddress wildcard = new InetSocketAddress("0.0.0.0", 53);

        assertThat(Upstreams.usable(List.of(new InetSocketAddress("127.0.0.1", 53), new InetSocketAddress("127.0.0.1", 5353),
                new InetSocketAddress("192.0.2.10", 53)), wildcard))
                .containsExactly(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("192.0.2.10", 53));
    }

    @Test
    void aLoopbackResolverOtherThanTheStubIsKept() throws IOException {
        // dnsmasq on 127.0.0.1 serves the host; the agent (in the host's namespace) may use it.
        Path conf = resolvConf("nameserver 127.0.0.1\n");

        assertThat(Upstreams.fromResolvConf(conf, new InetSocketAddress("10.88.0.1", 53)))
                .containsExactly(new InetSocketAddress("127.0.0.1", 53));
    }

    @Test
    void nothingLeftIsAnEmptyList() throws IOException {
        assertThat(Upstreams.fromResolvConf(resolvConf("nameserver 127.0.0.53\n"), new InetSocketAddress("10.88.0.1", 53))).isEmpty();
        assertThat(Upstreams.fromResolvConf(resolvConf(""), new InetSocketAddress("10.88.0.1", 53))).isEmpty();
    }
}
