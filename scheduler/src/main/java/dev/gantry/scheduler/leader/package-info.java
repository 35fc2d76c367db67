/**
 * Leader election among scheduler replicas through the store port (an etcd lease and one
 * key), and the fencing compare that makes a deposed leader's writes fail.
 */
package dev.gantry.scheduler.leader;
