package dev.gantry.api.spec;

/**
 * Quotes a user's value in a message, escaped so that odd characters stay visible, and cut
 * short when long: a message repeats the value, and a 3 MB string helps no one.
 */
final class Quoted {
  static final int MAX_SHOWN = 100;

  private Quoted() {}

  static String of(String value) {
    String shown = value;
    String more = "";
    if (value.length() > MAX_SHOWN && value.codePointCount(0, value.length()) > MAX_SHOWN) {
      shown = value.substring(0, value.offsetByCodePoints(0, MAX_SHOWN));
      more = "... (" + value.codePointCount(0, value.length()) + " characters)";
    }
    StringBuilder out = new StringBuilder(shown.length() + 2).append('"');
    for (char c : shown.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').append(more).toString();
  }
}
