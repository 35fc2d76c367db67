/**
 * Where the CLI finds its cluster: the config file (contexts of address, CA and ACL token, as a
 * kubeconfig holds them) and the environment variables that override it.
 */
package dev.gantry.cli.config;
