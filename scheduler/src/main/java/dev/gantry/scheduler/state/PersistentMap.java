package dev.gantry.scheduler.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An immutable hash map whose updates return a new map that shares everything but the changed
 * path with the old one (a hash array mapped trie, after Bagwell and Clojure's
 * PersistentHashMap). {@link #plus} and {@link #minus} cost O(log32 n) time and allocation, so
 * the state cache can hand out a snapshot per evaluation without copying a million entries,
 * and an unchanged part stays the same object from one version to the next.
 *
 * <p>Reads as a {@link Map}; the Map interface's mutators throw. Iteration order follows the
 * keys' hashes: stable for equal contents, but not sorted. No null keys or values.
 * Thread-safe, being immutable.
 */
final class PersistentMap<K, V> extends AbstractMap<K, V> {
    private static final PersistentMap<?, ?> EMPTY = new PersistentMap<>(null, 0);
    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;

    /** null, a {@link Leaf}, a {@link Collision} or a {@link Branch}. */
    private final Object root;
    private final int size;
    private Set<Entry<K, V>> entries;

    private PersistentMap(Object root, int size) {
        this.root = root;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    static <K, V> PersistentMap<K, V> empty() {
        return (PersistentMap<K, V>) EMPTY;
    }

    /** A map of {@code source}'s entries. */
    static <K, V> PersistentMap<K, V> of(Map<? extends K, ? extends V> source) {
        PersistentMap<K, V> m = empty();
        for (Entry<? extends K, ? extends V> e : source.entrySet()) m = m.plus(e.getKey(), e.getValue());
        return m;
    }

    /** This map with {@code key} mapped to {@code value}; {@code this} if it already was (same value object). */
    PersistentMap<K, V> plus(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int[] added = new int[1];
        Object next = insert(root, 0, new Leaf(key, value, hash(key)), added);
        return next == root ? this : new PersistentMap<>(next, size + added[0]);
    }

    /** This map without {@code key}; {@code this} if it had no such key. */
    PersistentMap<K, V> minus(Object key) {
        if (root == null || key == null) return this;
        Object next = remove(root, 0, key, hash(key));
        if (next == root) return this;
        return next == null ? empty() : new PersistentMap<>(next, size - 1);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public boolean containsKey(Object key) {
        return find(key) != null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        Leaf leaf = find(key);
        return leaf == null ? null : (V) leaf.value;
    }

    @Override
    public V getOrDefault(Object key, V defaultValue) {
        V v = get(key);
        return v == null ? defaultValue : v;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void forEach(BiConsumer<? super K, ? super V> action) {
        Iterator<Entry<K, V>> it = new LeafIterator<>(root);
        while (it.hasNext()) {
            Entry<K, V> e = it.next();
            action.accept(e.getKey(), e.getValue());
        }
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        Set<Entry<K, V>> e = entries;
        if (e == null) {
            e = new AbstractSet<>() {
                @Override
                public Iterator<Entry<K, V>> iterator() {
                    return new LeafIterator<>(root);
                }

                @Override
                public int size() {
                    return size;
                }

                @Override
                public boolean contains(Object o) {
                    if (!(o instanceof Entry<?, ?> entry)) return false;
                    Leaf leaf = find(entry.getKey());
                    return leaf != null && leaf.value.equals(entry.getValue());
                }
            };
            entries = e;
        }
        return e;
    }

    /**
     * Calls {@code changed} once for every key whose value differs between {@code before} and
     * {@code after}: added, removed, or mapped to another object (values are compared by
     * identity, not equals). Subtrees the two versions share are skipped, so for versions
     * derived from one another this costs O(changes x depth); for unrelated maps, O(size).
     */
    static <K> void diff(Map<K, ?> before, Map<K, ?> after, java.util.function.Consumer<? super K> changed) {
        if (before == after) return;
        if (before instanceof PersistentMap<K, ?> b && after instanceof PersistentMap<K, ?> a) {
            diff(b.root, a.root, changed);
            return;
        }
        for (Entry<K, ?> e : after.entrySet()) if (before.get(e.getKey()) != e.getValue()) changed.accept(e.getKey());
        for (K key : before.keySet()) if (!after.containsKey(key)) changed.accept(key);
    }

    @SuppressWarnings("unchecked")
    private static <K> void diff(Object before, Object after, java.util.function.Consumer<? super K> changed) {
        if (before == after) return;
        if (before instanceof Branch b && after instanceof Branch a) {
            // Both branches sit at the same depth (a branch's depth is fixed by its position).
            int bits = b.bitmap | a.bitmap;
            while (bits != 0) {
                int bit = Integer.lowestOneBit(bits);
                bits &= bits - 1;
                Object left = (b.bitmap & bit) == 0 ? null : b.items[Integer.bitCount(b.bitmap & (bit - 1))];
                Object right = (a.bitmap & bit) == 0 ? null : a.items[Integer.bitCount(a.bitmap & (bit - 1))];
                diff(left, right, changed);
            }
            return;
        }
        // A side is empty, a leaf or a collision, so the other holds few entries beyond the changed ones.
        java.util.HashMap<Object, Object> left = new java.util.HashMap<>();
        new LeafIterator<>(before).forEachRemaining(e -> left.put(e.getKey(), e.getValue()));
        LeafIterator<Object, Object> right = new LeafIterator<>(after);
        while (right.hasNext()) {
            Entry<Object, Object> e = right.next();
            Object old = left.remove(e.getKey());
            if (old != e.getValue()) changed.accept((K) e.getKey());
        }
        for (Object key : left.keySet()) changed.accept((K) key);
    }

    private Leaf find(Object key) {
        if (key == null) return null;
        int h = hash(key);
        Object item = root;
        int shift = 0;
        while (item != null) {
            if (item instanceof Leaf leaf) {
                return leaf.hash == h && leaf.key.equals(key) ? leaf : null;
            }
            if (item instanceof Collision c) {
                return c.hash == h ? c.find(key) : null;
            }
            Branch b = (Branch) item;
            int bit = 1 << ((h >>> shift) & MASK);
            if ((b.bitmap & bit) == 0) return null;
            item = b.items[Integer.bitCount(b.bitmap & (bit - 1))];
            shift += BITS;
        }
        return null;
    }

    private static int hash(Object key) {
        int h = key.hashCode();
        return h ^ (h >>> 16);
    }

    /** Returns {@code item} itself when nothing changed; sets added[0] to 1 when the key is new. */
    private static Object insert(Object item, int shift, Leaf leaf, int[] added) {
        if (item == null) {
            added[0] = 1;
            return leaf;
        }
        if (item instanceof Leaf existing) {
            if (existing.hash == leaf.hash && existing.key.equals(leaf.key)) {
                return existing.value == leaf.value ? existing : leaf;
            }
            added[0] = 1;
            return join(existing, existing.hash, leaf, shift);
        }
        if (item instanceof Collision c) {
            if (c.hash == leaf.hash) return c.with(leaf, added);
            added[0] = 1;
            return join(c, c.hash, leaf, shift);
        }
        Branch b = (Branch) item;
        int bit = 1 << ((leaf.hash >>> shift) & MASK);
        int index = Integer.bitCount(b.bitmap & (bit - 1));
        if ((b.bitmap & bit) == 0) {
            added[0] = 1;
            Object[] items = new Object[b.items.length + 1];
            System.arraycopy(b.items, 0, items, 0, index);
            items[index] = leaf;
            System.arraycopy(b.items, index, items, index + 1, b.items.length - index);
            return new Branch(b.bitmap | bit, items);
        }
        Object child = b.items[index];
        Object next = insert(child, shift + BITS, leaf, added);
        if (next == child) return b;
        Object[] items = b.items.clone();
        items[index] = next;
        return new Branch(b.bitmap, items);
    }

    /** A subtree holding {@code existing} (a leaf or collision of hash {@code existingHash}) and a leaf of another key. */
    private static Object join(Object existing, int existingHash, Leaf leaf, int shift) {
        if (existingHash == leaf.hash) {
            return new Collision(leaf.hash, new Leaf[] {(Leaf) existing, leaf});
        }
        int a = (existingHash >>> shift) & MASK;
        int b = (leaf.hash >>> shift) & MASK;
        if (a == b) {
            return new Branch(1 << a, new Object[] {join(existing, existingHash, leaf, shift + BITS)});
        }
        return new Branch((1 << a) | (1 << b), a < b ? new Object[] {existing, leaf} : new Object[] {leaf, existing});
    }

    /** Returns {@code item} itself when the key was absent, null when the subtree became empty. */
    private static Object remove(Object item, int shift, Object key, int h) {
        if (item instanceof Leaf leaf) {
            return leaf.hash == h && leaf.key.equals(key) ? null : leaf;
        }
        if (item instanceof Collision c) {
            return c.hash == h ? c.without(key) : c;
        }
        Branch b = (Branch) item;
        int bit = 1 << ((h >>> shift) & MASK);
        if ((b.bitmap & bit) == 0) return b;
        int index = Integer.bitCount(b.bitmap & (bit - 1));
        Object child = b.items[index];
        Object next = remove(child, shift + BITS, key, h);
        if (next == child) return b;
        if (next == null) {
            if (b.items.length == 1) return null;
            Object[] items = new Object[b.items.length - 1];
            System.arraycopy(b.items, 0, items, 0, index);
            System.arraycopy(b.items, index + 1, items, index, items.length - index);
            // A lone leaf or collision moves up: lookups find it by its hash at any depth.
            if (items.length == 1 && !(items[0] instanceof Branch)) return items[0];
            return new Branch(b.bitmap & ~bit, items);
        }
        if (b.items.length == 1 && !(next instanceof Branch)) return next;
        Object[] items = b.items.clone();
        items[index] = next;
        return new Branch(b.bitmap, items);
    }

    private static final class Branch {
        final int bitmap;
        final Object[] items;

        Branch(int bitmap, Object[] items) {
            this.bitmap = bitmap;
            this.items = items;
        }
    }

    /** Keys whose hashes are equal in all 32 bits. */
    private static final class Collision {
        final int hash;
        final Leaf[] leaves;

        Collision(int hash, Leaf[] leaves) {
            this.hash = hash;
            this.leaves = leaves;
        }

        Leaf find(Object key) {
            for (Leaf l : leaves) if (l.key.equals(key)) return l;
            return null;
        }

        Object with(Leaf leaf, int[] added) {
            for (int i = 0; i < leaves.length; i++) {
                if (leaves[i].key.equals(leaf.key)) {
                    if (leaves[i].value == leaf.value) return this;
                    Leaf[] copy = leaves.clone();
                    copy[i] = leaf;
                    return new Collision(hash, copy);
                }
            }
            added[0] = 1;
            Leaf[] copy = Arrays.copyOf(leaves, leaves.length + 1);
            copy[leaves.length] = leaf;
            return new Collision(hash, copy);
        }

        Object without(Object key) {
            for (int i = 0; i < leaves.length; i++) {
                if (leaves[i].key.equals(key)) {
                    if (leaves.length == 2) return leaves[1 - i];
                    Leaf[] copy = new Leaf[leaves.length - 1];
                    System.arraycopy(leaves, 0, copy, 0, i);
                    System.arraycopy(leaves, i + 1, copy, i, copy.length - i);
                    return new Collision(hash, copy);
                }
            }
            return this;
        }
    }

    /** An entry; immutable, so it is handed out by iteration as it is. */
    private static final class Leaf implements Entry<Object, Object> {
        final Object key;
        final Object value;
        final int hash;

        Leaf(Object key, Object value, int hash) {
            this.key = key;
            this.value = value;
            this.hash = hash;
        }

        @Override
        public Object getKey() {
            return key;
        }

        @Override
        public Object getValue() {
            return value;
        }

        @Override
        public Object setValue(Object value) {
            throw new UnsupportedOperationException("immutable");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry<?, ?> e && key.equals(e.getKey()) && value.equals(e.getValue());
        }

        @Override
        public int hashCode() {
            return key.hashCode() ^ value.hashCode();
        }

        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    /** Depth-first over the trie with an explicit stack (the depth is at most 8). */
    private static final class LeafIterator<K, V> implements Iterator<Entry<K, V>> {
        private final Object[][] arrays = new Object[10][];
        private final int[] positions = new int[10];
        private int depth = -1;
        private Leaf next;

        LeafIterator(Object root) {
            if (root != null) {
                push(new Object[] {root});
                advance();
            }
        }

        private void push(Object[] items) {
            arrays[++depth] = items;
            positions[depth] = 0;
        }

        private void advance() {
            next = null;
            while (depth >= 0) {
                Object[] items = arrays[depth];
                if (positions[depth] == items.length) {
                    arrays[depth--] = null;
                    continue;
                }
                Object item = items[positions[depth]++];
                if (item instanceof Leaf leaf) {
                    next = leaf;
                    return;
                }
                if (item instanceof Collision c) push(c.leaves);
                else push(((Branch) item).items);
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Entry<K, V> next() {
            if (next == null) throw new NoSuchElementException();
            Entry<K, V> e = (Entry<K, V>) (Entry<?, ?>) next;
            advance();
            return e;
        }
    }
}
