/** Namespace settings: the names operators and the API use for each privileged opt-out a namespace may allow. */
package dev.gantry.api.namespace;
