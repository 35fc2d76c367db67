/**
 * The cluster's trust material: its certificate authority, the certificates and keys it issues,
 * how they are stored (PEM files, sealed keys) and the join tokens that let a new node ask for
 * a certificate; building blocks that the transport and the daemons use, with no network I/O.
 */
package dev.gantry.api.security;
