/** Images on the agent: pulling from OCI/Docker registries under a pull policy (one pull per image at a time, with progress) and loading local archives and OCI layouts, verifying digests, safe layer extraction into a shared read-only layer store, and garbage collection of images no allocation uses. */
package dev.gantry.agent.image;
