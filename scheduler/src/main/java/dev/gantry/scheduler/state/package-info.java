/** Cluster state as the scheduler sees it: the key layout and a watch-fed cache of jobs, nodes and allocations. */
package dev.gantry.scheduler.state;
