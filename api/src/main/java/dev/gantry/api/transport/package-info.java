/** How Gantry's gRPC servers and channels are built and secured: one factory for every connection. */
package dev.gantry.api.transport;
