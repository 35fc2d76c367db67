package dev.gantry.agent.network.dns;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Endpoint;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import dev.gantry.api.v1.ServiceEndpoint;
import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogFeedTest {
    private final ServiceCatalog catalog = new ServiceCatalog();
    private final CatalogFeed feed = new CatalogFeed(catalog);

    private static ServiceEndpoint endpoint(String id, int index, String address) {
        return ServiceEndpoint.newBuilder().setNamespace("default").setJob("cache")
                .setEndpoint(Endpoint.newBuilder().setAllocationId(id).setIndex(index).setNodeId("n1").setAddress(address)
                        .addPorts(AllocatedPort.newBuilder().setTask("main").setName("redis").setValue(20_000 + index))
                        .addPorts(AllocatedPort.newBuilder().setTask("side").setName("redis").setValue(1)))
                .build();
    }

    private List<String> answer(String name, DnsRecordType type) {
        return Lookup.answer(catalog.snapshot(), name, type, 0).answers().stream().map(Object::toString).toList();
    }

    @Test
    void aFullMessageReplacesEverythingAndChangesApplyOnTop() {
        catalog.replaceAll(List.of(new CatalogEntry("stale", "default", "old", 0, LookupTest.address("10.9.9.9"),
                java.util.Map.of(), true)));

        feed.accept(ServiceCatalogUpdate.newBuilder().setFull(true)
                .addUpserted(endpoint("a0", 0, "10.0.0.1")).addUpserted(endpoint("a1", 1, "10.0.0.2")).build());
        assertThat(catalog.snapshot().readyCount()).isEqualTo(2);
        assertThat(Lookup.answer(catalog.snapshot(), "old.default.gantry.", DnsRecordType.A, 0).kind())
                .isEqualTo(Answer.Kind.NO_SUCH_NAME);
        assertThat(answer("_redis._tcp.cache.default.gantry.", DnsRecordType.SRV)).containsExactly(
                new Answer.ServiceRecord("_redis._tcp.cache.default.gantry.", 0, 1, 20_000, "0.cache.default.gantry.").toString(),
                new Answer.ServiceRecord("_redis._tcp.cache.default.gantry.", 0, 1, 20_001, "1.cache.default.gantry.").toString());

        feed.accept(ServiceCatalogUpdate.newBuilder().addRemoved("a0").build());
        assertThat(catalog.snapshot().readyCount()).isEqualTo(1);
        assertThat(Lookup.answer(catalog.snapshot(), "0.cache.default.gantry.", DnsRecordType.A, 0).kind())
                .isEqualTo(Answer.Kind.NO_SUCH_NAME);
    }

    @Test
    void addressesThatAreNotIpLiteralsAreLeftOut() {
        feed.accept(ServiceCatalogUpdate.newBuilder().setFull(true)
                .addUpserted(endpoint("a0", 0, "node-1.example.test")).addUpserted(endpoint("a1", 1, "fd00::1")).build());

        assertThat(catalog.snapshot().readyCount()).isEqualTo(1);
        assertThat(Lookup.answer(catalog.snapshot(), "cache.default.gantry.", DnsRecordType.AAAA, 0).answers()).hasSize(1);
    }
}
