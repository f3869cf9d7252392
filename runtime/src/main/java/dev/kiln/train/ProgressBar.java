package dev.kiln.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar for batches within an epoch. On a terminal it redraws one line with a carriage
 * return. Elsewhere (CI logs, pipes, files) the trainers' summary line per epoch is enough, so the bar
 * stays quiet unless the work is slow: it prints a plain line at a tenth of the way only when
 * {@value #QUIET_SECONDS} seconds have passed since it started or last printed, and then a last line
 * at the end. A 40-epoch run of fast epochs logs 40 lines, not 440; a 90-second epoch still shows
 * that it is moving.
 */
public final class ProgressBar {
    private static final int WIDTH = 30;
    /** Seconds without output after which a non-terminal bar prints its next tenth. */
    static final int QUIET_SECONDS = 10;
    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final int total;
    private int lastTenth = -1;
    private final LongSupplier clock;
    private final long startNanos;
    private long lastPrintNanos;
    private boolean printed;

    public ProgressBar(String label, int total) { this(label, total, System.out, isTerminal()); }

    /** A bar printing to {@code out}: redrawn in place when {@code terminal}, else plain lines at each tenth. */
    public ProgressBar(String label, int total, PrintStream out, boolean terminal) {
        this(label, total, out, terminal, System::nanoTime);
    }

    /** As above, reading the time from {@code nanoClock} (tests). */
    ProgressBar(String label, int total, PrintStream out, boolean terminal, LongSupplier nanoClock) {
        this.label = label;
        this.total = Math.max(total, 1);
        this.out = out;
        this.terminal = terminal;
        this.clock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        this.lastPrintNanos = startNanos;
    }

    /** True when standard output is an interactive terminal. */
    public static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Reports that {@code done} of the total steps are finished, with a status such as the running loss. */
    public void update(int done, String status) {
        if (terminal) {
            String line = render(done, status);
            out.print("\r" + line + (done >= total ? "\n" : ""));
            out.flush();
            return;
        }
        int tenth = (int) (10L * done / total);
        if (tenth <= lastTenth || tenth == 0) return;
        long now = clock.getAsLong();
        // The end only where the bar has shown its progress before: a quiet bar leaves the epoch's line alone.
        boolean show = done >= total ? printed : now - lastPrintNanos >= QUIET_SECONDS * 1_000_000_000L;
        if (show) {
            lastTenth = tenth;
            lastPrintNanos = now;
            printed = true;
            out.println(render(done, status));
        }
    }

    String render(int done, String status) {
        int filled = (int) ((long) WIDTH * Math.min(done, total) / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        double seconds = (clock.getAsLong() - startNanos) / 1e9;
        return String.format(Locale.ROOT, "%s [%s] %d/%d %.1fs%s", label, bar, done, total, seconds,
                status == null || status.isEmpty() ? "" : " " + status);
    }
}
