/** Task log files in the Kubernetes (CRI) log format that conmon writes: parsing, tail and follow. */
package dev.gantry.agent.logs;
