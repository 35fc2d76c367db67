package dev.gantry.agent.network;

/** Host mode: the tasks use the node's own namespace, so there is nothing to set up or remove. */
public final class HostNetwork implements AllocationNetwork {
    @Override
    public NetworkAttachment setUp(NetworkRequest request) {
        return NetworkAttachment.HOST;
    }

    @Override
    public void tearDown(NetworkRequest request) {
        // nothing was made
    }
}
