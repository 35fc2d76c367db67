package dev.gantry.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that other threads or processes bring about. The limit only bounds
 * a hang (it is generous, since CI machines are busy and the first test pays for class
 * loading); nothing is timed by it. Shared by the test suites of every module.
 */
public final class Eventually {
    public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 10;

    private Eventually() {
    }

    public static void eventually(BooleanSupplier condition) throws InterruptedException {
        eventually("condition", DEFAULT_LIMIT, condition);
    }

    public static void eventually(BooleanSupplier condition, Duration limit) throws InterruptedException {
        eventually("condition", limit, condition);
    }

    public static void eventually(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        eventually(what, limit, condition);
    }

    /** Polls {@code condition} until it holds; fails with "{@code what} did not happen within ..." otherwise. */
    public static void eventually(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError(what + " did not happen within " + limit.toMillis() + " ms");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
