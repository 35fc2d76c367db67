package dev.gantry.agent.network.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LookupTest {
    private final ServiceCatalog catalog = new ServiceCatalog();

    static CatalogEntry replica(String job, int index, String ip, boolean ready) {
        return new CatalogEntry(job + "-" + index, "default", job, index, address(ip), Map.of("redis", 6379 + index), ready);
    }

    static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private Answer ask(String name, DnsRecordType type, int rotation) {
        return Lookup.answer(catalog.snapshot(), name, type, rotation);
    }

    private static List<String> addresses(Answer a) {
        return a.answers().stream().map(r -> ((Answer.AddressRecord) r).address().getHostAddress()).toList();
    }

    @Test
    void serviceNameAnswersEveryReadyReplicaStartingWhereTheRotationSays() {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true), replica("cache", 1, "10.0.0.2", true),
                replica("cache", 2, "10.0.0.3", true)));

        assertThat(addresses(ask("cache.default.gantry.", DnsRecordType.A, 0))).containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.3");
        assertThat(addresses(ask("cache.default.gantry.", DnsRecordType.A, 1))).containsExactly("10.0.0.2", "10.0.0.3", "10.0.0.1");
        assertThat(addresses(ask("cache.default.gantry.", DnsRecordType.A, 5))).containsExactly("10.0.0.3", "10.0.0.1", "10.0.0.2");
        assertThat(addresses(ask("cache.default.gantry.", DnsRecordType.A, -1))).containsExactly("10.0.0.3", "10.0.0.1", "10.0.0.2");
    }

    @Test
    void answersEchoTheNameAsAskedButMatchAnyCase() {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true)));

        Answer a = ask("Cache.DEFAULT.gantry", DnsRecordType.A, 0);

        assertThat(a.kind()).isEqualTo(Answer.Kind.FOUND);
        assertThat(a.answers()).extracting(Answer.ResourceRecord::name).containsExactly("Cache.DEFAULT.gantry");
    }

    @Test
    void indexNameAnswersThatReplicaOnly() {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true), replica("cache", 1, "10.0.0.2", true)));

        assertThat(addresses(ask("1.cache.default.gantry.", DnsRecordType.A, 7))).containsExactly("10.0.0.2");
        assertThat(ask("2.cache.default.gantry.", DnsRecordType.A, 0).kind()).isEqualTo(Answer.Kind.NO_SUCH_NAME);
    }

    @Test
    void srvNamesGiveIndexTargetsWithTheirPortsAndGlue() {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true), replica("cache", 1, "10.0.0.2", true)));

        Answer a = ask("_redis._tcp.cache.default.gantry.", DnsRecordType.SRV, 0);

        assertThat(a.answers()).containsExactly(
                new Answer.ServiceRecord("_redis._tcp.cache.default.gantry.", 0, 1, 6379, "0.cache.default.gantry."),
                new Answer.ServiceRecord("_redis._tcp.cache.default.gantry.", 0, 1, 6380, "1.cache.default.gantry."));
        assertThat(a.additionals()).containsExactly(
                new Answer.AddressRecord("0.cache.default.gantry.", address("10.0.0.1")),
                new Answer.AddressRecord("1.cache.default.gantry.", address("10.0.0.2")));
        assertThat(ask("_http._tcp.cache.default.gantry.", DnsRecordType.SRV, 0).kind()).isEqualTo(Answer.Kind.NO_SUCH_NAME);
    }

    @Test
    void unknownNamesUnderTheZoneAreNxdomainAndExistingOnesWithoutTheTypeAreNodata() {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true)));

        assertThat(ask("nope.default.gantry.", DnsRecordType.A, 0)).isEqualTo(Answer.NO_SUCH_NAME);
        assertThat(ask("cache.other.gantry.", DnsRecordType.A, 0)).isEqualTo(Answer.NO_SUCH_NAME);
        assertThat(ask("cache.default.gantry.", DnsRecordType.AAAA, 0)).isEqualTo(Answer.NO_DATA);
        assertThat(ask("cache.default.gantry.", DnsRecordType.MX, 0)).isEqualTo(Answer.NO_DATA);
        assertThat(ask("cache.default.gantry.", DnsRecordType.SRV, 0)).isEqualTo(Answer.NO_DATA);
        assertThat(ask("_redis._tcp.cache.default.gantry.", DnsRecordType.A, 0)).isEqualTo(Answer.NO_DATA);
        assertThat(ask("default.gantry.", DnsRecordType.A, 0)).isEqualTo(Answer.NO_DATA);
        assertThat(ask("gantry.", DnsRecordType.A, 0)).isEqualTo(Answer.NO_DATA);
    }

    @Test
    void namesOutsideTheZoneAreForwarded() {
        assertThat(ask("example.test.", DnsRecordType.A, 0)).isEqualTo(Answer.FORWARD);
        assertThat(ask("notgantry.", DnsRecordType.A, 0)).isEqualTo(Answer.FORWARD);
        assertThat(ask("gantry.example.", DnsRecordType.A, 0)).isEqualTo(Answer.FORWARD);
    }

    @Test
    void unreadyReplicasAreLeftOutAndAJobWithNoneReadyDoesNotExist() {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true), replica("cache", 1, "10.0.0.2", false),
                replica("solo", 0, "10.0.0.9", false)));

        assertThat(addresses(ask("cache.default.gantry.", DnsRecordType.A, 1))).containsExactly("10.0.0.1");
        assertThat(ask("1.cache.default.gantry.", DnsRecordType.A, 0).kind()).isEqualTo(Answer.Kind.NO_SUCH_NAME);
        assertThat(ask("solo.default.gantry.", DnsRecordType.A, 0).kind()).isEqualTo(Answer.Kind.NO_SUCH_NAME);
        assertThat(catalog.snapshot().readyCount()).isEqualTo(1);
    }

    @Test
    void changesReplaceByAllocationIdAndRemovalsDropEntries() {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true), replica("cache", 1, "10.0.0.2", true)));

        catalog.apply(List.of(replica("cache", 1, "10.0.0.2", false)), List.of());
        assertThat(addresses(ask("cache.default.gantry.", DnsRecordType.A, 0))).containsExactly("10.0.0.1");

        catalog.apply(List.of(replica("cache", 1, "10.0.0.2", true)), List.of("cache-0", "unknown"));
        assertThat(addresses(ask("cache.default.gantry.", DnsRecordType.A, 0))).containsExactly("10.0.0.2");
    }

    @Test
    void replicasSharingAnAddressGiveItOnceAndIpv6GoesToAaaa() {
        catalog.replaceAll(List.of(replica("web", 0, "10.0.0.1", true), replica("web", 1, "10.0.0.1", true),
                replica("web", 2, "fd00::2", true)));

        assertThat(addresses(ask("web.default.gantry.", DnsRecordType.A, 0))).containsExactly("10.0.0.1");
        assertThat(addresses(ask("web.default.gantry.", DnsRecordType.AAAA, 0))).containsExactly("fd00:0:0:0:0:0:0:2");
        assertThat(ask("_redis._tcp.web.default.gantry.", DnsRecordType.SRV, 0).answers()).hasSize(3);
    }

    @Test
    void namesThatCannotBeEncodedAreSkipped() {
        String longJob = "j".repeat(64);
        catalog.replaceAll(List.of(replica(longJob, 0, "10.0.0.1", true), replica("ok", 0, "10.0.0.2", true)));

        assertThat(catalog.snapshot().readyCount()).isEqualTo(1);
        assertThat(addresses(ask("ok.default.gantry.", DnsRecordType.A, 0))).containsExactly("10.0.0.2");
    }
}
