package dev.gantry.scheduler.state;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The trie behaves as a HashMap would under any sequence of puts and removes, and old versions never change. */
class PersistentMapTest {

    /** A key whose hash the test chooses, to force collisions at every depth of the trie. */
    record Key(int hash, int id) {
        @Override
        public int hashCode() {
            return hash;
        }
    }

    record Step(boolean put, Key key, int value) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        // Few distinct hashes (with high and low bits set) so that collisions and deep paths are common.
        Arbitrary<Integer> hashes = Arbitraries.of(0, 1, 33, 1 << 30, (1 << 30) | 1, -1, 0x7fffffff, 1 << 31, 12345, 12345 + (1 << 25));
        Arbitrary<Key> keys = Combinators.combine(hashes, Arbitraries.integers().between(0, 3)).as(Key::new);
        Arbitrary<Step> step = Combinators.combine(Arbitraries.of(true, true, false), keys, Arbitraries.integers().between(0, 5))
                .as(Step::new);
        return step.list().ofMaxSize(200);
    }

    @Property(tries = 300)
    void behavesAsAHashMapAndKeepsOldVersions(@ForAll("steps") List<Step> steps) {
        PersistentMap<Key, Integer> map = PersistentMap.empty();
        Map<Key, Integer> expected = new HashMap<>();
        List<PersistentMap<Key, Integer>> versions = new ArrayList<>();
        List<Map<Key, Integer>> expectedVersions = new ArrayList<>();
        for (Step s : steps) {
            if (s.put()) {
                map = map.plus(s.key(), s.value());
                expected.put(s.key(), s.value());
            } else {
                map = map.minus(s.key());
                expected.remove(s.key());
            }
            versions.add(map);
            expectedVersions.add(Map.copyOf(expected));
            assertThat(map.size()).isEqualTo(expected.size());
            assertThat(map.get(s.key())).isEqualTo(expected.get(s.key()));
        }
        assertThat(map).isEqualTo(expected);
        assertThat(new HashMap<>(map)).isEqualTo(expected);
        for (int i = 0; i < versions.size(); i++) {
            assertThat(versions.get(i)).as("version %d", i).isEqualTo(expectedVersions.get(i));
            assertThat(versions.get(i).entrySet()).hasSize(expectedVersions.get(i).size());
        }
    }

    @Test
    void unchangedUpdatesReturnTheSameMap() {
        PersistentMap<String, String> m = PersistentMap.<String, String>empty().plus("a", "1").plus("b", "2");
        String one = m.get("a");
        assertThat(m.plus("a", one)).isSameAs(m);
        assertThat(m.minus("zzz")).isSameAs(m);
        assertThat(m.minus("a").minus("b")).isEmpty();
    }

    @Test
    void largeMapsStayConsistent() {
        PersistentMap<String, Integer> m = PersistentMap.empty();
        for (int i = 0; i < 100_000; i++) m = m.plus("alloc-" + i, i);
        PersistentMap<String, Integer> full = m;
        for (int i = 0; i < 100_000; i += 2) m = m.minus("alloc-" + i);
        assertThat(full).hasSize(100_000);
        assertThat(m).hasSize(50_000);
        assertThat(m.get("alloc-1")).isEqualTo(1);
        assertThat(m.get("alloc-2")).isNull();
        assertThat(full.get("alloc-2")).isEqualTo(2);
        long sum = 0;
        for (int v : m.values()) sum += v;
        assertThat(sum).isEqualTo(50_000L * 50_000L);
    }

    @Test
    void rejectsMutationThroughTheMapInterface() {
        PersistentMap<String, String> m = PersistentMap.<String, String>empty().plus("a", "1");
        assertThatThrownBy(() -> m.put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.entrySet().iterator().next().setValue("x")).isInstanceOf(UnsupportedOperationException.class);
    }
}
