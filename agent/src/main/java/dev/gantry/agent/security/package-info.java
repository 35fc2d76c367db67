/**
 * The agent's side of cluster security: joining with a token (the scheduler authenticated by the
 * CA fingerprint the token pins), the node key and certificate kept in the data directory and
 * renewed before they expire, and the agent's own port answering schedulers only.
 */
package dev.gantry.agent.security;
