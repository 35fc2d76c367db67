/** The agent's stream to the schedulers: register, report, receive desired state; reconnects and fails over across addresses. */
package dev.gantry.agent.connect;
