/** The agent's on-disk state: assignments and task handles, so a restarted agent re-adopts its containers; and where logs live. */
package dev.gantry.agent.state;
