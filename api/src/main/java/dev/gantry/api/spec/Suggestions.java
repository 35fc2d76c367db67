package dev.gantry.api.spec;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean": the known word closest to a misspelt one, if any is close enough. */
final class Suggestions {
  // Longer than any name a spec has (DNS labels are 63): no suggestion for or from such a word.
  private static final int MAX_LENGTH = 255;

  private Suggestions() {}

  static Optional<String> closest(String input, Collection<String> candidates) {
    String normalInput = normalize(input);
    // stopGrace, Stop-Grace and STOP_GRACE all mean stop_grace: prefer that over spelling.
    for (String candidate : candidates) {
      if (normalize(candidate).equals(normalInput)) {
        return Optional.of(candidate);
      }
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int allowed = Math.max(1, candidate.length() / 3);
      // The distance is at least the difference in length, and the table is |input| x |candidate|:
      // two long strings (a 100k-character port name and check port) would need gigabytes.
      if (Math.abs(input.length() - candidate.length()) > allowed || candidate.length() > MAX_LENGTH) {
        continue;
      }
      int distance = distance(input.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (distance <= allowed && distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return Optional.ofNullable(best);
  }

  /** " did you mean `x`?" or "" — ready to append to a message. */
  static String hint(String input, Collection<String> candidates) {
    return closest(input, candidates).map(s -> "; did you mean `" + s + "`?").orElse("");
  }

  private static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[-_\\s]", "");
  }

  /** Optimal string alignment distance: Levenshtein plus adjacent transpositions (memroy). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
