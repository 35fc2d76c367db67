/** Placement: feasibility filters and scorers over a node table; explains every failure. Pure, no I/O. */
package dev.gantry.scheduler.placement;
