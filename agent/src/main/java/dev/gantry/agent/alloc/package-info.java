/** Allocation runners: start an allocation's tasks through a driver, apply the restart policy, stop them on request, report state. */
package dev.gantry.agent.alloc;
