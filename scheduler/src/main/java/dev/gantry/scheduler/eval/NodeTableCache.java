package dev.gantry.scheduler.eval;

import dev.gantry.api.v1.Node;
import dev.gantry.scheduler.placement.NodeTable;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;

import java.util.Map;

/**
 * The placement table kept from one evaluation to the next, so that an evaluation costs
 * O(nodes whose allocations changed) instead of O(all allocations) to set up. The table a
 * caller gets is exactly what {@link NodeTable#of} would build from the snapshot: nodes whose
 * allocations differ from the last snapshot (found by comparing snapshots, see
 * {@link Snapshot#nodesWithChangedAllocations}) are counted again, and any change to a node
 * record rebuilds it all.
 *
 * <p>An evaluation reserves its placements in the table. Those that commit show up as changed
 * nodes in the next snapshot; if any commit failed, the caller must {@link #invalidate} the
 * table, since it still counts placements that were never written. Not thread-safe: the
 * evaluation loop's thread only.
 */
final class NodeTableCache {
    private NodeTable table;
    private Snapshot builtFrom;
    /** How often the table was built from scratch (for the loop's debug log). */
    long rebuilds;

    NodeTable tableFor(Snapshot s, Map<String, Node> nodes) {
        if (table == null || !s.changedNodes(builtFrom).isEmpty()) {
            rebuilds++;
            table = NodeTable.of(nodes.values(), s.allocations().values().stream().map(Versioned::value).toList());
        } else {
            for (String node : s.nodesWithChangedAllocations(builtFrom)) table.refresh(node, s.allocationsOn(node));
            table.startEvaluation();
        }
        builtFrom = s;
        return table;
    }

    /** The table counts something that did not happen (a failed commit, an error): build it anew next time. */
    void invalidate() {
        table = null;
        builtFrom = null;
    }
}
