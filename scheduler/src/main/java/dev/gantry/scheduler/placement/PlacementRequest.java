package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.Affinity;
import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Spread;
import dev.gantry.api.v1.Task;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One job compiled against one table: what a replica needs, the chain of feasibility checks
 * (cheap and static ones first, so a node is reported under the most lasting reason) and the
 * scorers. Built once per evaluation and job; placing a replica then allocates nothing per node.
 */
record PlacementRequest(PlacementSettings settings, String jobKey, long cpu, long memory, long disk,
                        int[] staticPorts, int dynamicPorts, FeasibilityCheck[] checks, Scorer[] scorers,
                        int candidateLimit) {

    static PlacementRequest compile(Job job, PlacementSettings settings, NodeTable table) {
        String jobKey = table.jobKey(job.getNamespace(), job.getName());
        long cpu = JobResources.cpu(job);
        long memory = JobResources.memory(job);
        long disk = JobResources.disk(job);
        Set<String> drivers = new LinkedHashSet<>();
        List<Integer> statics = new ArrayList<>();
        int dynamic = 0;
        for (Task t : job.getTasksList()) {
            if (!t.getDriver().isEmpty()) drivers.add(t.getDriver());
            for (Port p : t.getPortsList()) {
                if (p.getStatic() > 0) statics.add(p.getStatic());
                else dynamic++;
            }
        }
        int[] staticPorts = statics.stream().mapToInt(Integer::intValue).toArray();

        List<FeasibilityCheck> checks = new ArrayList<>();
        checks.add(NodeReadyCheck.INSTANCE);
        checks.add(new DriverCheck(List.copyOf(drivers), table));
        boolean distinctHosts = false;
        List<FeasibilityCheck> distinctProperties = new ArrayList<>();
        for (Constraint c : job.getConstraintsList()) {
            if (c.getDistinctHosts()) {
                distinctHosts = true;
                continue;
            }
            if (c.getOperator().equals(DistinctPropertyCheck.OPERATOR)) {
                SpreadCounter counter = table.spreadCounter(jobKey, NodeAttribute.parse(c.getAttribute()));
                distinctProperties.add(new DistinctPropertyCheck(c.getAttribute(), c.getValue(), counter));
                continue;
            }
            AttributeRule rule = new AttributeRule(c.getAttribute(), c.getOperator(), c.getValue(), c.getValuesList());
            checks.add(new ConstraintCheck(rule, table.column(rule.attribute())));
        }
        if (distinctHosts) checks.add(new DistinctHostsCheck(jobKey));
        checks.addAll(distinctProperties);
        checks.add(new ResourceCheck(cpu, memory, disk));
        if (staticPorts.length > 0) checks.add(new StaticPortCheck(staticPorts));
        if (dynamic > 0) checks.add(new DynamicPortCheck(dynamic, staticPorts));

        List<Scorer> scorers = new ArrayList<>();
        scorers.add(settings.capacityScoring() == CapacityScoring.SPREAD
                ? new LeastAllocatedScorer(cpu, memory) : new BinPackScorer(cpu, memory));
        scorers.add(new JobAntiAffinityScorer(jobKey, job.getCount()));
        if (job.getAffinitiesCount() > 0) {
            List<AffinityScorer.Term> terms = new ArrayList<>();
            for (Affinity a : job.getAffinitiesList()) {
                AttributeRule rule = new AttributeRule(a.getAttribute(), a.getOperator(), a.getValue(), a.getValuesList());
                AttributeColumn column = table.column(rule.attribute());
                terms.add(new AffinityScorer.Term(column, column.evaluate(rule), a.getWeight()));
            }
            scorers.add(new AffinityScorer(terms));
        }
        if (job.getSpreadCount() > 0) {
            List<SpreadScorer.Term> terms = new ArrayList<>();
            for (Spread s : job.getSpreadList()) {
                NodeAttribute attribute = NodeAttribute.parse(s.getAttribute());
                SpreadCounter counter = table.spreadCounter(jobKey, attribute);
                terms.add(new SpreadScorer.Term(counter, SpreadScorer.shares(counter.column, s.getTargetsMap())));
            }
            scorers.add(new SpreadScorer(terms, job.getCount()));
        }
        boolean softRules = job.getAffinitiesCount() > 0 || job.getSpreadCount() > 0;
        return new PlacementRequest(settings, jobKey, cpu, memory, disk, staticPorts, dynamic,
                checks.toArray(FeasibilityCheck[]::new), scorers.toArray(Scorer[]::new),
                settings.limitFor(table.size(), softRules));
    }

    /** The first reason the node fails, or null when it is feasible. */
    String reject(NodeSlot node) {
        for (FeasibilityCheck c : checks) {
            String reason = c.reject(node);
            if (reason != null) return reason;
        }
        return null;
    }
}
