package dev.gantry.cli.output;

import java.util.ArrayList;
import java.util.List;

/** A plain text table: left-aligned columns separated by two spaces, header in capitals. */
public final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = List.of(header);
    }

    public Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) r.add(c == null ? "" : String.valueOf(c));
        rows.add(r);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public String render() {
        int[] width = new int[header.size()];
        for (int i = 0; i < header.size(); i++) width[i] = header.get(i).length();
        for (List<String> r : rows) {
            for (int i = 0; i < r.size() && i < width.length; i++) width[i] = Math.max(width[i], r.get(i).length());
        }
        StringBuilder b = new StringBuilder();
        line(b, header, width);
        for (List<String> r : rows) line(b, r, width);
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> cells, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            l.append(cells.get(i));
            if (i < cells.size() - 1) l.append(" ".repeat(width[i] - cells.get(i).length() + 2));
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
