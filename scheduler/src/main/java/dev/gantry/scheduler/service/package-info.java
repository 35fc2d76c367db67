/** The scheduler's gRPC services: jobs, allocations, nodes (for the CLI) and the agent stream. */
package dev.gantry.scheduler.service;
