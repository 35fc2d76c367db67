/** What this server is: its stable node id and its fingerprint (capacity, OS, drivers, labels). */
package dev.gantry.agent.node;
