package dev.gantry.agent.network;

import dev.gantry.api.v1.Network;

/** None mode: a namespace of the allocation's own with only loopback, shared by its tasks. */
public final class LoopbackNetwork implements AllocationNetwork {
    private final NetworkNamespaces namespaces;

    public LoopbackNetwork(NetworkNamespaces namespaces) {
        this.namespaces = namespaces;
    }

    @Override
    public NetworkAttachment setUp(NetworkRequest request) throws NetworkException {
        String name = request.namespaceName();
        if (!namespaces.exists(name)) namespaces.add(name);
        return new NetworkAttachment(Network.Mode.NONE, NetworkNamespaces.path(name), "");
    }

    @Override
    public void tearDown(NetworkRequest request) throws NetworkException {
        namespaces.delete(request.namespaceName());
    }
}
