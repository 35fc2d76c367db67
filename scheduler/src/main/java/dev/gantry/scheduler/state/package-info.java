/** Cluster state as the scheduler sees it: the key layout and a watch-fed cache of jobs, nodes and allocations, whose snapshots share structure (persistent maps) and index allocations by job and node. */
package dev.gantry.scheduler.state;
