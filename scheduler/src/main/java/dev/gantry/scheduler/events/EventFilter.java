package dev.gantry.scheduler.events;

import dev.gantry.api.v1.Event;
import dev.gantry.api.v1.EventsRequest;

/**
 * Which events a client of the event stream asked for. Node events belong to no namespace:
 * they pass a namespace filter but not a job filter. A node is named by id, id prefix or name.
 */
public record EventFilter(String namespace, String job, String node) {
    public static EventFilter of(EventsRequest r) {
        return new EventFilter(r.getNamespace(), r.getJob(), r.getNode());
    }

    public boolean matches(Event e) {
        boolean nodeEvent = e.getJob().isEmpty();
        if (!job.isEmpty() && !job.equals(e.getJob())) return false;
        if (!namespace.isEmpty() && !nodeEvent && !namespace.equals(e.getNamespace())) return false;
        if (!node.isEmpty()) {
            return !e.getNodeId().isEmpty() && (e.getNodeId().startsWith(node) || node.equals(e.getNodeName()));
        }
        return true;
    }
}
