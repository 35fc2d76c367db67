/** The state-store port (DESIGN §3) and its implementations: etcd for clusters, in-memory for dev mode and tests. */
package dev.gantry.scheduler.store;
