package dev.gantry.agent.network;

/** Setting up or tearing down an allocation's network failed; the message says why (a CNI plugin's own message included). */
public final class NetworkException extends Exception {
    public NetworkException(String message) {
        super(message);
    }

    public NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
