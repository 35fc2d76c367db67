/** Cluster events: what changed between two snapshots of the state cache, said for people ({@code gantry events}). */
package dev.gantry.scheduler.events;
