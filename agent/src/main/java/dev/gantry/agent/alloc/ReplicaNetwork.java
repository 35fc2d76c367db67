package dev.gantry.agent.alloc;

import dev.gantry.agent.network.AllocationNetwork;
import dev.gantry.agent.network.NetworkAttachment;
import dev.gantry.agent.network.NetworkException;
import dev.gantry.agent.network.NetworkRequest;
import dev.gantry.agent.network.PortMapping;
import dev.gantry.api.spec.JobDefaults;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Network;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Task;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one network all tasks of an allocation share. The first task to start sets it up (a
 * failure fails that start, and the next start tries again); a re-adopted allocation finds it
 * again the same way. Torn down once the allocation has stopped. Thread-safe.
 */
final class ReplicaNetwork {
    private final AllocationNetwork network;
    private final NetworkRequest request;
    private final Map<String, Integer> insidePorts;
    private NetworkAttachment attachment;
    private boolean detached;

    ReplicaNetwork(AllocationNetwork network, Allocation alloc, Job job) {
        this.network = network;
        Network.Mode mode = JobDefaults.networkMode(job);
        this.insidePorts = insidePorts(alloc, job, mode);
        List<PortMapping> mappings = new ArrayList<>();
        if (mode == Network.Mode.BRIDGE) {
            for (AllocatedPort p : alloc.getPortsList()) mappings.add(new PortMapping(p.getValue(), insidePorts.get(p.getName())));
        }
        this.request = new NetworkRequest(alloc.getId(), mode, mappings);
    }

    Network.Mode mode() {
        return request.mode();
    }

    /** Sets the network up unless it is; never after {@link #detach()}. */
    synchronized NetworkAttachment attach() throws NetworkException {
        if (detached) throw new NetworkException("the allocation has stopped; its network is gone");
        if (attachment == null) attachment = network.setUp(request);
        return attachment;
    }

    /** The allocation's own address once set up (bridge mode); empty otherwise. */
    synchronized String address() {
        return attachment == null ? "" : attachment.address();
    }

    /** Tears the network down (also one an earlier agent process set up and this one never attached). Idempotent. */
    synchronized void detach() throws NetworkException {
        detached = true;
        attachment = null;
        network.tearDown(request);
    }

    /** The port each named port listens on inside: its {@code to} in bridge mode, else the host port. */
    Map<String, Integer> insidePorts() {
        return insidePorts;
    }

    private static Map<String, Integer> insidePorts(Allocation alloc, Job job, Network.Mode mode) {
        Map<String, Integer> to = new HashMap<>();
        for (Task t : job.getTasksList()) {
            for (Port p : t.getPortsList()) to.put(p.getName(), p.getTo());
        }
        Map<String, Integer> out = new HashMap<>();
        for (AllocatedPort p : alloc.getPortsList()) {
            int inside = to.getOrDefault(p.getName(), 0);
            out.put(p.getName(), mode == Network.Mode.BRIDGE && inside != 0 ? inside : p.getValue());
        }
        return Map.copyOf(out);
    }
}
