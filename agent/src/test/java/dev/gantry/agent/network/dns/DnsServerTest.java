package dev.gantry.agent.network.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.gantry.agent.network.dns.LookupTest.replica;
import static org.assertj.core.api.Assertions.assertThat;

/** The real server over UDP and TCP on loopback, with a fake upstream resolver on loopback. */
class DnsServerTest {
    private final ServiceCatalog catalog = new ServiceCatalog();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private FakeUpstream upstream;
    private DnsServer server;
    private DnsTestClient client;

    @BeforeEach
    void start() throws IOException {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true), replica("cache", 1, "10.0.0.2", true),
                replica("cache", 2, "10.0.0.3", true)));
        upstream = closeLater(new FakeUpstream(false));
        server = closeLater(startServer(List.of(upstream.address()), Duration.ofSeconds(2)));
        client = closeLater(new DnsTestClient(server.address(), 3_000));
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closing.add(c);
        return c;
    }

    private DnsServer startServer(List<InetSocketAddress> upstreams, Duration timeout) throws IOException {
        return DnsServer.start(catalog, new DnsServer.Settings(new InetSocketAddress("127.0.0.1", 0), upstreams, timeout));
    }

    private static List<String> addresses(DnsTestClient.Reply r) {
        return r.answers().stream().map(a -> a.substring(a.lastIndexOf(' ') + 1)).toList();
    }

    @Test
    void serviceNameRotatesOverTheReadyReplicasWithAShortTtl() throws IOException {
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            DnsTestClient.Reply r = client.ask("cache.default.gantry", DnsRecordType.A);
            assertThat(r.code()).isEqualTo(DnsResponseCode.NOERROR);
            assertThat(r.authoritative()).isTrue();
            assertThat(addresses(r)).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
            assertThat(r.answers()).allMatch(a -> a.startsWith("cache.default.gantry. A 5 "));
            firsts.add(addresses(r).get(0));
        }
        assertThat(firsts).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
    }

    @Test
    void indexNameAnswersOneReplica() throws IOException {
        assertThat(addresses(client.ask("2.cache.default.gantry.", DnsRecordType.A))).containsExactly("10.0.0.3");
    }

    @Test
    void srvGivesPortsAndIndexTargetsWithTheirAddresses() throws IOException {
        DnsTestClient.Reply r = client.ask("_redis._tcp.cache.default.gantry.", DnsRecordType.SRV);

        assertThat(r.answers()).containsExactlyInAnyOrder(
                "_redis._tcp.cache.default.gantry. SRV 5 0 1 6379 0.cache.default.gantry.",
                "_redis._tcp.cache.default.gantry. SRV 5 0 1 6380 1.cache.default.gantry.",
                "_redis._tcp.cache.default.gantry. SRV 5 0 1 6381 2.cache.default.gantry.");
        assertThat(r.additionals()).containsExactlyInAnyOrder("0.cache.default.gantry. A 5 10.0.0.1",
                "1.cache.default.gantry. A 5 10.0.0.2", "2.cache.default.gantry. A 5 10.0.0.3");
    }

    @Test
    void unknownNamesInTheZoneAreNxdomainWithTheSoaForNegativeCaching() throws IOException {
        DnsTestClient.Reply r = client.ask("nope.default.gantry.", DnsRecordType.A);

        assertThat(r.code()).isEqualTo(DnsResponseCode.NXDOMAIN);
        assertThat(r.answers()).isEmpty();
        assertThat(r.authorities()).isEqualTo(1);
        assertThat(client.ask("cache.default.gantry.", DnsRecordType.AAAA).code()).isEqualTo(DnsResponseCode.NOERROR);
        assertThat(upstream.asked).isEmpty();
    }

    @Test
    void otherNamesAreForwardedAndTheUpstreamAnswerRelayed() throws IOException {
        DnsTestClient.Reply r = client.ask("svc.example.test.", DnsRecordType.A);

        assertThat(r.code()).isEqualTo(DnsResponseCode.NOERROR);
        assertThat(r.answers()).containsExactly("svc.example.test. A 60 " + FakeUpstream.ADDRESS);
        assertThat(upstream.asked).containsExactly("svc.example.test.");
        assertThat(client.askTcp("tcp.example.test.", DnsRecordType.A).answers())
                .containsExactly("tcp.example.test. A 60 " + FakeUpstream.ADDRESS);
    }

    @Test
    void upstreamsThatNeverAnswerAreTriedInTurnThenServfail() throws Exception {
        FakeUpstream first = closeLater(new FakeUpstream(true));
        FakeUpstream second = closeLater(new FakeUpstream(true));
        DnsServer s = closeLater(startServer(List.of(first.address(), second.address()), Duration.ofMillis(200)));
        DnsTestClient c = closeLater(new DnsTestClient(s.address(), 3_000));

        long t0 = System.nanoTime();
        DnsTestClient.Reply r = c.ask("slow.example.test.", DnsRecordType.A);

        assertThat(r.code()).isEqualTo(DnsResponseCode.SERVFAIL);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(first.asked).containsExactly("slow.example.test.");
        assertThat(second.asked).containsExactly("slow.example.test.");
    }

    @Test
    void withNoUsableUpstreamForwardedNamesGetServfailAndOurZoneStillAnswers() throws Exception {
        DnsServer s = closeLater(startServer(List.of(new InetSocketAddress("127.0.0.53", 53)), Duration.ofSeconds(1)));
        DnsTestClient c = closeLater(new DnsTestClient(s.address(), 3_000));

        assertThat(s.upstreams()).isEmpty();
        assertThat(c.ask("anything.example.test.", DnsRecordType.A).code()).isEqualTo(DnsResponseCode.SERVFAIL);
        assertThat(addresses(c.ask("0.cache.default.gantry.", DnsRecordType.A))).containsExactly("10.0.0.1");
    }

    @Test
    void aReplicaTurningUnreadyLeavesTheAnswersRightAfterTheCatalogUpdate() throws IOException {
        catalog.apply(List.of(replica("cache", 1, "10.0.0.2", false)), List.of());

        for (int i = 0; i < 3; i++) {
            assertThat(addresses(client.ask("cache.default.gantry.", DnsRecordType.A))).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.3");
        }
        assertThat(client.ask("1.cache.default.gantry.", DnsRecordType.A).code()).isEqualTo(DnsResponseCode.NXDOMAIN);
        assertThat(client.ask("_redis._tcp.cache.default.gantry.", DnsRecordType.SRV).answers()).hasSize(2);
    }

    @Test
    void answersTooLargeForUdpAreTruncatedAndWholeOverTcp() throws IOException {
        List<CatalogEntry> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) many.add(replica("big", i, "10.1.0." + (i + 1), true));
        catalog.apply(many, List.of());

        DnsTestClient.Reply plain = client.ask("big.default.gantry.", DnsRecordType.A);
        DnsTestClient.Reply edns = client.ask("big.default.gantry.", DnsRecordType.A, true);
        DnsTestClient.Reply tcp = client.askTcp("big.default.gantry.", DnsRecordType.A);

        assertThat(plain.truncated()).isTrue();
        assertThat(plain.answers()).isNotEmpty().hasSizeLessThan(edns.answers().size());
        assertThat(edns.truncated()).isTrue();
        assertThat(tcp.truncated()).isFalse();
        assertThat(tcp.answers()).hasSize(60);
    }
}
