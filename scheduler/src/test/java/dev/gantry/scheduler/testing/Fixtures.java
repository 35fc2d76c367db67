package dev.gantry.scheduler.testing;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.Task;

/** Small builders for jobs, nodes and allocations in scheduler tests. */
public final class Fixtures {
    private Fixtures() {
    }

    public static Job job(String name, int count, long cpu, long memoryMi, Port... ports) {
        return Job.newBuilder().setNamespace("default").setName(name).setCount(count).setVersion(1)
                .addTasks(Task.newBuilder().setName("main").setImage("file:/img.tar").setDriver("runc")
                        .setResources(Resources.newBuilder().setCpuMillis(cpu).setMemoryBytes(memoryMi << 20))
                        .addAllPorts(java.util.List.of(ports)))
                .build();
    }

    public static Port dynamicPort(String name) {
        return Port.newBuilder().setName(name).build();
    }

    public static Port staticPort(String name, int value) {
        return Port.newBuilder().setName(name).setStatic(value).build();
    }

    public static Node node(String id, long cpu, long memoryMi) {
        return Node.newBuilder().setId(id).setName(id).setStatus(NodeStatus.NODE_READY).setEligible(true)
                .addDrivers("runc")
                .setCapacity(Resources.newBuilder().setCpuMillis(cpu).setMemoryBytes(memoryMi << 20))
                .build();
    }

    public static Allocation alloc(String id, Job job, int index, String nodeId, ClientStatus status) {
        return Allocation.newBuilder().setId(id).setNamespace(job.getNamespace()).setJob(job.getName())
                .setJobVersion(job.getVersion()).setIndex(index).setNodeId(nodeId)
                .setDesiredStatus(DesiredStatus.DESIRED_RUN).setClientStatus(status)
                .setResources(dev.gantry.scheduler.placement.JobResources.of(job))
                .setCreateTime(Timestamps.fromSeconds(1000 + index))
                .build();
    }

    // Placement rules, for placement tests.

    public static Node withLabels(Node node, String... keyValues) {
        Node.Builder b = node.toBuilder();
        for (int i = 0; i < keyValues.length; i += 2) b.putLabels(keyValues[i], keyValues[i + 1]);
        return b.build();
    }

    public static Node withAttributes(Node node, String... keyValues) {
        Node.Builder b = node.toBuilder();
        for (int i = 0; i < keyValues.length; i += 2) b.putAttributes(keyValues[i], keyValues[i + 1]);
        return b.build();
    }

    public static dev.gantry.api.v1.Constraint constraint(String attribute, String operator, String value) {
        return dev.gantry.api.v1.Constraint.newBuilder().setAttribute(attribute).setOperator(operator).setValue(value).build();
    }

    public static dev.gantry.api.v1.Constraint constraintIn(String attribute, String operator, String... values) {
        return dev.gantry.api.v1.Constraint.newBuilder().setAttribute(attribute).setOperator(operator)
                .addAllValues(java.util.List.of(values)).build();
    }

    public static dev.gantry.api.v1.Constraint distinctHosts() {
        return dev.gantry.api.v1.Constraint.newBuilder().setDistinctHosts(true).build();
    }

    public static dev.gantry.api.v1.Affinity affinity(String attribute, String operator, String value, int weight) {
        return dev.gantry.api.v1.Affinity.newBuilder().setAttribute(attribute).setOperator(operator).setValue(value)
                .setWeight(weight).build();
    }

    /** {@code spread("node.labels.zone", "eu-1", "50%", "eu-2", "50%")}; no targets: even. */
    public static dev.gantry.api.v1.Spread spread(String attribute, String... valuePercents) {
        dev.gantry.api.v1.Spread.Builder b = dev.gantry.api.v1.Spread.newBuilder().setAttribute(attribute);
        for (int i = 0; i < valuePercents.length; i += 2) b.putTargets(valuePercents[i], valuePercents[i + 1]);
        return b.build();
    }
}
