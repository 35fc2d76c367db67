package dev.gantry.agent.driver;

import java.util.Locale;
import java.util.regex.Pattern;

/** Stop signals as jobs write them ("SIGTERM", "term", "15"): one spelling for every driver. */
public final class Signals {
    private static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z0-9+-]{1,12}");

    private Signals() {
    }

    /** Upper case, as runc and Docker accept it; empty means TERM. */
    public static String normalize(String signal) {
        String s = signal == null || signal.isBlank() ? "TERM" : signal.trim().toUpperCase(Locale.ROOT);
        if (!SIGNAL.matcher(s).matches()) throw new IllegalArgumentException("bad signal: " + signal);
        return s;
    }
}
