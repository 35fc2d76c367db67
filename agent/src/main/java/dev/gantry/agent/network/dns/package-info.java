/**
 * Service names: the DNS server every agent embeds (UDP and TCP, Netty's DNS codec) that answers
 * {@code <job>.<namespace>.gantry}, {@code <index>.<job>.<namespace>.gantry} and
 * {@code _<port>._tcp.<job>.<namespace>.gantry} from an in-memory catalog of ready replicas, and
 * forwards every other name to the host's upstream resolvers.
 */
package dev.gantry.agent.network.dns;
