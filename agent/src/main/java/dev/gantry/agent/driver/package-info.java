/**
 * The task-driver SPI: how the agent starts, recovers, awaits, stops and removes containers and
 * runs commands in them; optional features ({@link dev.gantry.agent.driver.ContainerInventory},
 * {@link dev.gantry.agent.driver.DriverImages}) are separate interfaces.
 */
package dev.gantry.agent.driver;
