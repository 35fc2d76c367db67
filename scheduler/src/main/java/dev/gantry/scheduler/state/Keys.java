package dev.gantry.scheduler.state;

/**
 * The etcd key layout under a configurable prefix (default {@code /gantry/}). Values are
 * binary protobuf. One place for the layout so that every reader and writer agrees.
 */
public final class Keys {
    private final String prefix;

    public Keys(String prefix) {
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
    }

    public String prefix() {
        return prefix;
    }

    public String jobs() {
        return prefix + "jobs/";
    }

    public String job(String namespace, String name) {
        return jobs() + namespace + "/" + name;
    }

    public String allocations() {
        return prefix + "allocs/";
    }

    public String allocation(String id) {
        return allocations() + id;
    }

    public String nodes() {
        return prefix + "nodes/";
    }

    public String node(String id) {
        return nodes() + id;
    }

    /** Every kept version of every job: job-versions/NS/NAME/VERSION (zero-padded, so keys sort by version). */
    public String jobVersions() {
        return prefix + "job-versions/";
    }

    public String jobVersions(String namespace, String name) {
        return jobVersions() + namespace + "/" + name + "/";
    }

    public String jobVersion(String namespace, String name, long version) {
        return jobVersions(namespace, name) + padded(version);
    }

    /** The rollout of each kept job version, keyed like the versions. */
    public String deployments() {
        return prefix + "deployments/";
    }

    public String deployments(String namespace, String name) {
        return deployments() + namespace + "/" + name + "/";
    }

    public String deployment(String namespace, String name, long version) {
        return deployments(namespace, name) + padded(version);
    }

    private static String padded(long version) {
        return String.format("%020d", version);
    }

    /** The leader election key: held, bound to its lease, by the replica that decides. */
    public String leader() {
        return prefix + "leader";
    }

    /** Cluster secrets (Docker config.json documents that tasks name as image_pull_secret): secrets/NS/NAME. */
    public String secrets() {
        return prefix + "secrets/";
    }

    public String secrets(String namespace) {
        return secrets() + namespace + "/";
    }

    public String secret(String namespace, String name) {
        return secrets(namespace) + name;
    }

    /** Namespace settings (which privileged opt-outs its jobs may use): namespaces/NS; absent: the defaults. */
    public String namespaces() {
        return prefix + "namespaces/";
    }

    public String namespace(String name) {
        return namespaces() + name;
    }

    /** Why replicas of a job could not be placed; absent when all are placed. */
    public String unplaced() {
        return prefix + "unplaced/";
    }

    public String unplaced(String namespace, String name) {
        return unplaced() + namespace + "/" + name;
    }

    /** Security records: the sealed cluster CA, join tokens, revoked nodes, ACL policies and tokens. */
    public String security() {
        return prefix + "security/";
    }

    /** The cluster CA: its certificate and its private key sealed under the schedulers' cluster key. */
    public String clusterCa() {
        return security() + "ca";
    }

    /** Join tokens by id (a prefix of the secret's hash). */
    public String joinTokens() {
        return security() + "join-tokens/";
    }

    public String joinToken(String id) {
        return joinTokens() + id;
    }

    /** Nodes removed with `gantry node rm`, whose certificates are refused. */
    public String revokedNodes() {
        return security() + "revoked-nodes/";
    }

    public String revokedNode(String nodeId) {
        return revokedNodes() + nodeId;
    }

    public String aclPolicies() {
        return security() + "acl-policies/";
    }

    public String aclPolicy(String name) {
        return aclPolicies() + name;
    }

    /** ACL tokens by the hex SHA-256 of their secret (never the secret itself). */
    public String aclTokens() {
        return security() + "acl-tokens/";
    }

    public String aclToken(String secretHashHex) {
        return aclTokens() + secretHashHex;
    }

    /** Present once `gantry acl bootstrap` has run: it runs once per cluster. */
    public String aclBootstrapped() {
        return security() + "acl-bootstrapped";
    }

    /** Audit records of mutating calls, by time: audit/<zero-padded epoch millis>-<unique>. */
    public String audit() {
        return prefix + "audit/";
    }
}
