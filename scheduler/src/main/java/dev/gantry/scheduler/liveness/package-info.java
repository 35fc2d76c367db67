/** Node liveness: which nodes missed their heartbeat TTL (a pure decision) and the leader's loop that marks them down. */
package dev.gantry.scheduler.liveness;
