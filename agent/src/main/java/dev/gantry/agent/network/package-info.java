/**
 * An allocation's network: the one network namespace all its tasks share, made with iproute2
 * ({@code ip netns add}, never {@code unshare}/{@code setns} in the JVM) and wired by executing
 * the standard CNI plugins as the CNI spec says (bridge mode), loopback only (none mode), or the
 * node's own namespace (host mode). Set-up and tear-down are idempotent, so an agent restart
 * re-adopts a namespace and its address, and orphan cleanup can repeat a tear-down.
 */
package dev.gantry.agent.network;
