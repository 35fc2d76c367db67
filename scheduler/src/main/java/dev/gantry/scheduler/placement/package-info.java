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
 * {@code distinct_property} is not supported: the job model has no field for it yet.
 */
package dev.gantry.scheduler.placement;
