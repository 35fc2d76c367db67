/** Images on the agent: pulling from OCI/Docker registries and loading local archives and OCI layouts, verifying digests, safe layer extraction into a shared read-only layer store. */
package dev.gantry.agent.image;
