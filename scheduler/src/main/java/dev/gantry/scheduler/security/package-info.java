/**
 * Who may do what on a scheduler: the cluster CA kept sealed in the store and the replica's own
 * certificate, the authentication of every call (node certificate, scheduler certificate or ACL
 * token), the one permission table that every RPC method has an entry in, and the records
 * (join tokens, revoked nodes, ACL policies and tokens) those decisions read.
 */
package dev.gantry.scheduler.security;
