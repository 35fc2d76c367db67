package dev.gantry.scheduler.placement;

/**
 * Where a constraint, affinity or spread attribute name reads from on a node (naming rules in
 * package-info). Two spellings of the same source share one {@link #key()}, so they share one
 * column in the table.
 */
record NodeAttribute(Source source, String name) {

    enum Source { NODE_NAME, NODE_ID, LABEL, ATTRIBUTE }

    static NodeAttribute parse(String attribute) {
        String a = attribute.trim();
        if (a.startsWith("${") && a.endsWith("}")) a = a.substring(2, a.length() - 1).trim();
        if (a.equals("node.name")) return new NodeAttribute(Source.NODE_NAME, "");
        if (a.equals("node.id")) return new NodeAttribute(Source.NODE_ID, "");
        if (a.startsWith("node.labels.")) return new NodeAttribute(Source.LABEL, a.substring("node.labels.".length()));
        if (a.startsWith("node.attributes.")) return new NodeAttribute(Source.ATTRIBUTE, a.substring("node.attributes.".length()));
        if (a.startsWith("node.")) return new NodeAttribute(Source.ATTRIBUTE, a.substring("node.".length()));
        return new NodeAttribute(Source.ATTRIBUTE, a);
    }

    /** The node's value, or null when it has none. */
    String valueOf(NodeSlot n) {
        return switch (source) {
            case NODE_NAME -> n.name;
            case NODE_ID -> n.id;
            case LABEL -> n.labels.get(name);
            case ATTRIBUTE -> n.attributes.get(name);
        };
    }

    String key() {
        return source + ":" + name;
    }
}
