package dev.gantry.api.spec;

import java.util.regex.Pattern;

/** Builds the field paths of {@link FieldError}: {@code tasks[0].env.LOG_LEVEL}. */
final class FieldPath {
  private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

  private FieldPath() {}

  static String field(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }

  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  /**
   * A key of a free-form map (env, spread targets) or one that is not a field; quoted when it
   * would not read as one, and so cut short when long.
   */
  static String key(String parent, String key) {
    return key.length() <= Quoted.MAX_SHOWN && PLAIN_KEY.matcher(key).matches()
        ? field(parent, key) : parent + "[" + Quoted.of(key) + "]";
  }
}
