/**
 * Placement: feasibility checks and scorers over a {@link dev.gantry.scheduler.placement.NodeTable};
 * explains every failure. Pure, no I/O.
 *
 * <p>Attribute names in constraints, affinities and spread:
 * <ul>
 *   <li>{@code node.name}, {@code node.id}: the node's name and id;</li>
 *   <li>{@code node.labels.<k>}: the operator label {@code k} (agent {@code --label k=v});</li>
 *   <li>{@code node.attributes.<k>}: the fingerprinted attribute {@code k} (os.arch, kernel.version, ...);</li>
 *   <li>any other {@code node.<k>}, and a bare {@code <k>}: the attribute {@code k}, so
 *       {@code node.os.arch} and {@code os.arch} both read attribute {@code os.arch}. Labels are
 *       never read by a bare name: say {@code node.labels.zone}.</li>
 * </ul>
 * A Nomad-style {@code ${...}} around the name is accepted and ignored.
 *
 * <p>Operators: {@code =}, {@code !=}, {@code in}, {@code not_in}, {@code regexp} (a find, anchor it
 * with ^...$ to match the whole value), {@code version} (comma-separated terms such as
 * {@code >= 1.2, < 2.0} or {@code ~> 2.1} over dotted versions), {@code is_set}, {@code is_not_set}.
 * A node without the attribute meets only {@code !=}, {@code not_in} and {@code is_not_set}.
 * {@code distinct_hosts: true} allows at most one running replica of the job per node.
 * {@code operator: distinct_property} with {@code value: N} (default 1) allows at most N running replicas
 * of the job on the nodes sharing one value of the attribute (one rack, one zone); a node without
 * the attribute takes none. Like distinct_hosts it counts the replicas that should run, including
 * those placed earlier in the same evaluation.
 */
package dev.gantry.scheduler.placement;
