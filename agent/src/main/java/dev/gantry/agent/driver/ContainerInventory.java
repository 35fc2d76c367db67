package dev.gantry.agent.driver;

import java.util.List;

/**
 * Optional driver feature: the containers this driver has left on the host, whoever started
 * them. Lets a restarted agent find leftovers that no persisted handle names (say, the agent
 * died between creating a container and saving its handle) and destroy them.
 */
public interface ContainerInventory {

    /** Ids of every container the driver holds on this host, running or not, in no particular order. */
    List<String> containerIds() throws DriverException;
}
