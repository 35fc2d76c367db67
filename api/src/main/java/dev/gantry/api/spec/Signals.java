package dev.gantry.api.spec;

import java.util.List;

/** The stop signals a task may ask for, spelt as operators write them. */
final class Signals {
  static final List<String> NAMES = List.of("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGKILL", "SIGUSR1", "SIGUSR2");

  private Signals() {}

  /** {@code SIGTERM}, {@code TERM} or a number 1..64 (Linux real-time signals included). */
  static boolean isKnown(String signal) {
    if (signal.matches("[0-9]{1,2}")) {
      int number = Integer.parseInt(signal);
      return number >= 1 && number <= 64;
    }
    return NAMES.contains(signal) || NAMES.contains("SIG" + signal);
  }
}
