package dev.gantry.api.spec;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import dev.gantry.api.v1.Job;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What changed between two versions of a job, one line per field path in the spec's own
 * terms ({@code tasks[web].image: "web:1" -> "web:2"}), for `gantry history`. Walks the
 * messages generically, so a field added to the API shows up without code here. Fields the
 * scheduler sets are left out. Pure.
 */
public final class JobDiff {
  private static final Set<String> SERVER_FIELDS = Set.of("version", "stopped", "submit_time", "template_hash", "change_cause");

  private JobDiff() {}

  public static List<String> between(Job before, Job after) {
    List<String> out = new ArrayList<>();
    diff("", before, after, out, true);
    return out;
  }

  private static void diff(String path, Message a, Message b, List<String> out, boolean top) {
    for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
      if (top && SERVER_FIELDS.contains(f.getName())) {
        continue;
      }
      String p = path.isEmpty() ? f.getName() : path + "." + f.getName();
      if (f.isMapField()) {
        diffMap(p, a, b, f, out);
      } else if (f.isRepeated()) {
        diffList(p, a, b, f, out);
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !(a.getField(f) instanceof Duration)) {
        diff(p, (Message) a.getField(f), (Message) b.getField(f), out, false);
      } else if (!Objects.equals(a.getField(f), b.getField(f))) {
        out.add(p + ": " + show(a.getField(f)) + " -> " + show(b.getField(f)));
      }
    }
  }

  private static void diffList(String p, Message a, Message b, FieldDescriptor f, List<String> out) {
    int n = Math.max(a.getRepeatedFieldCount(f), b.getRepeatedFieldCount(f));
    for (int i = 0; i < n; i++) {
      Object x = i < a.getRepeatedFieldCount(f) ? a.getRepeatedField(f, i) : null;
      Object y = i < b.getRepeatedFieldCount(f) ? b.getRepeatedField(f, i) : null;
      String item = p + "[" + label(y != null ? y : x, i) + "]";
      if (x == null) {
        out.add(item + ": added");
      } else if (y == null) {
        out.add(item + ": removed");
      } else if (x instanceof Message mx && !(x instanceof Duration)) {
        diff(item, mx, (Message) y, out, false);
      } else if (!x.equals(y)) {
        out.add(item + ": " + show(x) + " -> " + show(y));
      }
    }
  }

  private static void diffMap(String p, Message a, Message b, FieldDescriptor f, List<String> out) {
    Map<Object, Object> x = entries(a, f);
    Map<Object, Object> y = entries(b, f);
    for (var e : x.entrySet()) {
      if (!y.containsKey(e.getKey())) {
        out.add(p + "." + e.getKey() + ": removed");
      } else if (!Objects.equals(e.getValue(), y.get(e.getKey()))) {
        out.add(p + "." + e.getKey() + ": " + show(e.getValue()) + " -> " + show(y.get(e.getKey())));
      }
    }
    y.forEach((k, v) -> {
      if (!x.containsKey(k)) {
        out.add(p + "." + k + ": added " + show(v));
      }
    });
  }

  private static Map<Object, Object> entries(Message m, FieldDescriptor f) {
    Map<Object, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
      Message entry = (Message) m.getRepeatedField(f, i);
      FieldDescriptor key = entry.getDescriptorForType().findFieldByName("key");
      FieldDescriptor value = entry.getDescriptorForType().findFieldByName("value");
      out.put(entry.getField(key), entry.getField(value));
    }
    return out;
  }

  /** Elements with a name (tasks, ports, checks) are labelled by it, others by position. */
  private static String label(Object element, int index) {
    if (element instanceof Message m) {
      FieldDescriptor name = m.getDescriptorForType().findFieldByName("name");
      if (name != null && name.getJavaType() == FieldDescriptor.JavaType.STRING && !((String) m.getField(name)).isEmpty()) {
        return (String) m.getField(name);
      }
    }
    return String.valueOf(index);
  }

  private static String show(Object v) {
    if (v instanceof String s) {
      return Quoted.of(s);
    }
    if (v instanceof Duration d) {
      return Quantities.formatDuration(d);
    }
    if (v instanceof com.google.protobuf.Descriptors.EnumValueDescriptor e) {
      return e.getName();
    }
    if (v instanceof Message m) {
      return com.google.protobuf.TextFormat.shortDebugString(m);
    }
    return String.valueOf(v);
  }
}
