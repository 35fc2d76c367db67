package dev.gantry.api.spec;

import com.google.protobuf.Duration;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats the quantities of a job spec: durations ({@code 1m30s}), sizes
 * ({@code 256Mi}) and CPU ({@code 500m}). Parsing is exact (no silent rounding) and
 * {@code parse(format(x)) == x} for every value. Problems are reported as
 * {@link IllegalArgumentException}s whose message is meant for the operator as is.
 */
public final class Quantities {
  private static final String DURATION_EXAMPLES = " (e.g. 10s, 1m30s, 250ms)";
  private static final String SIZE_EXAMPLES = " (e.g. 256Mi, 1Gi)";
  private static final String CPU_EXAMPLES = " (e.g. 500m, 0.5, 2)";

  // Possessive (++, ?+, *+): digits, '.' and units never overlap, so giving characters back
  // cannot help a match, and a long run of digits with junk after it would backtrack in
  // quadratic time (20,000 digits took 10 s).
  private static final String NUMBER = "(\\d++\\.?+\\d*+|\\.\\d++)";
  private static final Pattern DURATION = Pattern.compile("([+-]?)((?:" + NUMBER + "(?:ns|us|µs|ms|s|m|h))++)");
  private static final Pattern DURATION_PART = Pattern.compile(NUMBER + "(ns|us|µs|ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("([+-]?)" + NUMBER + "(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?");
  private static final Pattern CPU = Pattern.compile("([+-]?)" + NUMBER + "(m?)");

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  // google.protobuf.Duration's documented range: about 10,000 years.
  private static final long MAX_DURATION_SECONDS = 315_576_000_000L;
  private static final Map<String, Long> DURATION_UNITS = Map.of(
      "ns", 1L, "us", 1_000L, "µs", 1_000L, "ms", 1_000_000L,
      "s", NANOS_PER_SECOND, "m", 60 * NANOS_PER_SECOND, "h", 3600 * NANOS_PER_SECOND);

  // Binary before decimal, largest first: the order formatSize prefers on equal length.
  private static final Map<String, Long> SIZE_UNITS = new LinkedHashMap<>();

  static {
    String[] binary = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    String[] decimal = {"k", "M", "G", "T", "P", "E"};
    for (int i = binary.length - 1; i >= 0; i--) {
      SIZE_UNITS.put(binary[i], 1L << (10 * (i + 1)));
    }
    for (int i = decimal.length - 1; i >= 0; i--) {
      SIZE_UNITS.put(decimal[i], BigInteger.TEN.pow(3 * (i + 1)).longValueExact());
    }
  }

  private Quantities() {}

  /** {@code 10s}, {@code 1m30s}, {@code 1.5s}, {@code 250ms}, {@code 2h}, {@code 0}; a leading sign is allowed. */
  public static Duration parseDuration(String text) {
    if (text == null) {
      throw new IllegalArgumentException("a duration is required" + DURATION_EXAMPLES);
    }
    if (text.matches("[+-]?0")) {
      return Duration.getDefaultInstance();
    }
    Matcher whole = DURATION.matcher(text);
    if (!whole.matches()) {
      throw new IllegalArgumentException(Quoted.of(text) + " is not a duration" + DURATION_EXAMPLES);
    }
    BigDecimal nanos = BigDecimal.ZERO;
    Matcher part = DURATION_PART.matcher(whole.group(2));
    while (part.find()) {
      nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(DURATION_UNITS.get(part.group(2)))));
    }
    BigInteger exact = wholeOrNull(nanos);
    if (exact == null) {
      throw new IllegalArgumentException(Quoted.of(text) + " is finer than a nanosecond");
    }
    BigInteger[] secondsAndNanos = exact.divideAndRemainder(BigInteger.valueOf(NANOS_PER_SECOND));
    if (secondsAndNanos[0].compareTo(BigInteger.valueOf(MAX_DURATION_SECONDS)) > 0) {
      throw new IllegalArgumentException(Quoted.of(text) + " is too long (at most 10,000 years)");
    }
    long seconds = secondsAndNanos[0].longValueExact();
    int nanoPart = secondsAndNanos[1].intValueExact();
    boolean negative = whole.group(1).equals("-");
    return Duration.newBuilder()
        .setSeconds(negative ? -seconds : seconds)
        .setNanos(negative ? -nanoPart : nanoPart)
        .build();
  }

  /**
   * The shortest usual spelling: {@code 2h}, {@code 1m30s}, {@code 1.5s}, {@code 250ms},
   * {@code 0s}. Zero components are left out ({@code 1h5s}), which parseDuration accepts.
   */
  public static String formatDuration(Duration duration) {
    long seconds = duration.getSeconds();
    long nanos = duration.getNanos();
    if (seconds == 0 && nanos == 0) {
      return "0s";
    }
    String sign = seconds < 0 || nanos < 0 ? "-" : "";
    seconds = Math.abs(seconds);
    nanos = Math.abs(nanos);
    if (seconds == 0) {
      // Below a second, the largest unit that keeps a whole part: 250ms, 1.5ms, 800ns.
      if (nanos < 1_000) {
        return sign + nanos + "ns";
      }
      if (nanos < 1_000_000) {
        return sign + decimal(nanos, 3) + "us";
      }
      return sign + decimal(nanos, 6) + "ms";
    }
    StringBuilder out = new StringBuilder(sign);
    if (seconds >= 3600) {
      out.append(seconds / 3600).append('h');
    }
    if (seconds % 3600 >= 60) {
      out.append(seconds % 3600 / 60).append('m');
    }
    long restSeconds = seconds % 60;
    if (restSeconds != 0 || nanos != 0) {
      out.append(decimal(restSeconds * NANOS_PER_SECOND + nanos, 9)).append('s');
    }
    return out.toString();
  }

  /**
   * Bytes, with the suffixes Kubernetes uses: binary {@code Ki Mi Gi Ti Pi Ei} and decimal
   * {@code k M G T P E}; plain digits are bytes. Fractions are fine when the result is a
   * whole number of bytes ({@code 1.5Gi}).
   */
  public static long parseSize(String text) {
    Matcher m = text == null ? null : SIZE.matcher(text);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(Quoted.of(String.valueOf(text)) + " is not a size" + SIZE_EXAMPLES);
    }
    long unit = m.group(3) == null ? 1 : SIZE_UNITS.get(m.group(3));
    BigInteger bytes = wholeOrNull(new BigDecimal(m.group(2)).multiply(BigDecimal.valueOf(unit)));
    if (bytes == null) {
      throw new IllegalArgumentException(Quoted.of(text) + " is not a whole number of bytes");
    }
    return signedLong(m.group(1), bytes, text);
  }

  /** The shortest exact spelling; on equal length a binary suffix wins ({@code 1Gi}, {@code 512M}, {@code 1000}). */
  public static String formatSize(long bytes) {
    BigInteger magnitude = BigInteger.valueOf(bytes).abs();
    String sign = bytes < 0 ? "-" : "";
    String best = magnitude.toString();
    if (magnitude.signum() != 0) {
      for (Map.Entry<String, Long> unit : SIZE_UNITS.entrySet()) {
        BigInteger[] qr = magnitude.divideAndRemainder(BigInteger.valueOf(unit.getValue()));
        String candidate = qr[0] + unit.getKey();
        if (qr[1].signum() == 0 && candidate.length() < best.length()) {
          best = candidate;
        }
      }
    }
    return sign + best;
  }

  /** Millicores from {@code 500m}, {@code 0.5} or {@code 2} (cores). */
  public static long parseCpu(String text) {
    Matcher m = text == null ? null : CPU.matcher(text);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(Quoted.of(String.valueOf(text)) + " is not a CPU amount" + CPU_EXAMPLES);
    }
    BigDecimal value = new BigDecimal(m.group(2));
    BigInteger millis = wholeOrNull(m.group(3).isEmpty() ? value.movePointRight(3) : value);
    if (millis == null) {
      throw new IllegalArgumentException(Quoted.of(text) + " is finer than 1m (a thousandth of a core)");
    }
    return signedLong(m.group(1), millis, text);
  }

  /** Whole cores as {@code 2}, anything else in millicores: {@code 500m}, {@code 1500m}. */
  public static String formatCpu(long millis) {
    return millis % 1000 == 0 ? Long.toString(millis / 1000) : millis + "m";
  }

  private static BigInteger wholeOrNull(BigDecimal value) {
    try {
      return value.toBigIntegerExact();
    } catch (ArithmeticException notWhole) {
      return null;
    }
  }

  private static long signedLong(String sign, BigInteger magnitude, String text) {
    BigInteger signed = sign.equals("-") ? magnitude.negate() : magnitude;
    if (signed.bitLength() > 63) {
      throw new IllegalArgumentException(Quoted.of(text) + " is too large");
    }
    return signed.longValueExact();
  }

  /** {@code value / 10^scale} with trailing zeros dropped: decimal(1500000, 6) is "1.5". */
  private static String decimal(long value, int scale) {
    BigDecimal d = BigDecimal.valueOf(value, scale).stripTrailingZeros();
    return d.scale() < 0 ? d.toBigInteger().toString() : d.toPlainString();
  }
}
