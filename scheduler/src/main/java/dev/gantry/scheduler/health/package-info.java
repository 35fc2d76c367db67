/** Whether this scheduler replica can reach its state store: one cached probe that /healthz and the API both report. */
package dev.gantry.scheduler.health;
