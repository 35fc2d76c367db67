package dev.gantry.scheduler.testing;

import dev.gantry.api.desired.DesiredSet;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import dev.gantry.api.v1.TaskState;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An agent played by a test over the real AgentService stream: it registers a node, records
 * every desired set it is sent (rebuilt whole from changes, as the real agent does, unless it
 * registered as an agent that does not accept them), and reports exactly what the test tells it to.
 */
public final class ScriptedAgent {
    /** The whole desired set after each desired-set message, in order. */
    public final List<DesiredAllocations> received = new CopyOnWriteArrayList<>();
    /** The desired-set messages themselves, as sent. */
    public final List<SchedulerMessage> messages = new CopyOnWriteArrayList<>();
    /** Service catalog messages (sent only when the agent announced "service-catalog"), in order. */
    public final List<ServiceCatalogUpdate> services = new CopyOnWriteArrayList<>();
    private final StreamObserver<AgentMessage> out;
    private final DesiredSet desired = new DesiredSet();

    public ScriptedAgent(Channel channel, String id, String host, long memoryMi) {
        this(channel, id, host, memoryMi, true);
    }

    public ScriptedAgent(Channel channel, String id, String host, long memoryMi, boolean acceptsChanges) {
        this(channel, id, host, memoryMi, acceptsChanges, List.of());
    }

    /** {@code moreFeatures}: announced besides "desired-changes" (say, "service-catalog"). */
    public ScriptedAgent(Channel channel, String id, String host, long memoryMi, boolean acceptsChanges, List<String> moreFeatures) {
        out = AgentServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(SchedulerMessage m) {
                if (m.hasServices()) services.add(m.getServices());
                if (m.hasDesired() || m.hasChanges()) {
                    messages.add(m);
                    received.add(desired.apply(m));
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        AgentMessage.Builder register = AgentMessage.newBuilder().setRegister(Node.newBuilder().setId(id).setName(id)
                .setAddress(host + ":7422").addDrivers("runc")
                .setCapacity(Resources.newBuilder().setCpuMillis(4000).setMemoryBytes(memoryMi << 20)));
        if (acceptsChanges) register.addFeatures(DesiredSet.FEATURE);
        register.addAllFeatures(moreFeatures);
        send(register.build());
    }

    /** The assignments of the last desired set received (empty before the first). */
    public List<Assignment> latest() {
        return received.isEmpty() ? List.of() : received.get(received.size() - 1).getAssignmentsList();
    }

    public void reportRunning(Assignment a) {
        report(a, ClientStatus.CLIENT_RUNNING, Map.of());
    }

    public void report(Assignment a, ClientStatus status, Map<String, TaskState> tasks) {
        send(AgentMessage.newBuilder().setUpdate(AllocationUpdate.newBuilder()
                .setAllocationId(a.getAllocation().getId()).setClientStatus(status).putAllTaskStates(tasks)).build());
    }

    public synchronized void send(AgentMessage m) {
        out.onNext(m);
    }
}
