package dev.gantry.agent.network;

/** A host port forwarded to a port inside the allocation's namespace (TCP and UDP). */
public record PortMapping(int hostPort, int containerPort) {
    public PortMapping {
        if (hostPort < 1 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("ports must lie within 1-65535: " + hostPort + " -> " + containerPort);
        }
    }
}
