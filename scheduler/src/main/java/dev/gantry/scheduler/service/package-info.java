/** The scheduler's gRPC services: jobs, allocations, nodes, the event stream (for the CLI) and the agent stream. */
package dev.gantry.scheduler.service;
