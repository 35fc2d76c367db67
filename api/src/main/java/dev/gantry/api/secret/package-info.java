/**
 * Image pull secrets: reading and checking the Docker config.json documents that a cluster
 * secret holds, so that the scheduler, the CLI and the agent agree on what one may contain.
 * Pure functions, no I/O.
 */
package dev.gantry.api.secret;
