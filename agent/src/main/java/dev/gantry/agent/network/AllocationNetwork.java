package dev.gantry.agent.network;

/** Gives an allocation its network in one mode. Implementations are thread-safe. */
public interface AllocationNetwork {
    /**
     * Sets the allocation's network up, or re-adopts it when it already is (an agent restart):
     * same namespace, same address. A set-up that fails leaves nothing behind.
     */
    NetworkAttachment setUp(NetworkRequest request) throws NetworkException;

    /** Removes all of it. Idempotent: tearing down what is (partly) gone succeeds. */
    void tearDown(NetworkRequest request) throws NetworkException;
}
