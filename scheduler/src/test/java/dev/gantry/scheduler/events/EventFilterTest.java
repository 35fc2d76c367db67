package dev.gantry.scheduler.events;

import dev.gantry.api.v1.Event;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EventFilterTest {
    private static final Event NODE = Event.newBuilder().setKind("node.down").setNodeId("5f3a9c").setNodeName("host-1").build();
    private static final Event JOB = Event.newBuilder().setKind("job.submitted").setNamespace("shop").setJob("web").build();
    private static final Event ALLOC = JOB.toBuilder().setKind("alloc.placed").setAllocationId("a1")
            .setNodeId("5f3a9c").setNodeName("host-1").build();

    @Test
    void anEmptyFilterPassesEverything() {
        EventFilter all = new EventFilter("", "", "");
        assertThat(all.matches(NODE) && all.matches(JOB) && all.matches(ALLOC)).isTrue();
    }

    @Test
    void aNamespaceKeepsNodeEventsButAJobDropsThem() {
        EventFilter shop = new EventFilter("shop", "", "");
        assertThat(shop.matches(NODE)).isTrue();
        assertThat(shop.matches(JOB)).isTrue();
        assertThat(new EventFilter("default", "", "").matches(JOB)).isFalse();
        EventFilter web = new EventFilter("shop", "web", "");
        assertThat(web.matches(NODE)).isFalse();
        assertThat(web.matches(ALLOC)).isTrue();
        assertThat(new EventFilter("shop", "api", "").matches(ALLOC)).isFalse();
    }

    @Test
    void aNodeIsNamedByIdPrefixOrNameAndDropsEventsOfNoNode() {
        for (String name : new String[]{"5f3a9c", "5f3", "host-1"}) {
            EventFilter f = new EventFilter("", "", name);
            assertThat(f.matches(NODE)).as(name).isTrue();
            assertThat(f.matches(ALLOC)).as(name).isTrue();
            assertThat(f.matches(JOB)).as(name).isFalse();
        }
        assertThat(new EventFilter("", "", "host-2").matches(NODE)).isFalse();
        assertThat(new EventFilter("", "", "host").matches(NODE)).as("a name is matched whole").isFalse();
    }
}
