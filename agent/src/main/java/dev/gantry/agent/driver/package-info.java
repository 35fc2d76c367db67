/** The task-driver SPI: how the agent starts, recovers, awaits, stops and removes containers. */
package dev.gantry.agent.driver;
