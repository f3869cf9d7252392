package dev.kiln.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar for batches within an epoch. On a terminal it redraws one line with a carriage
 * return; elsewhere (CI logs, pipes) it prints a plain line at each tenth of the way and at the
 * end, so logs stay short and readable.
 */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final int total;
    private int lastTenth = -1;
    private final long startNanos = System.nanoTime();

    public ProgressBar(String label, int total) { this(label, total, System.out, isTerminal()); }

    /** A bar printing to {@code out}: redrawn in place when {@code terminal}, else plain lines at each tenth. */
    public ProgressBar(String label, int total, PrintStream out, boolean terminal) {
        this.label = label;
        this.total = Math.max(total, 1);
        this.out = out;
        this.terminal = terminal;
    }

    /** True when standard output is an interactive terminal. */
    public static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Reports that {@code done} of the total steps are finished, with a status such as the running loss. */
    public void update(int done, String status) {
        String line = render(done, status);
        if (terminal) {
            out.print("\r" + line + (done >= total ? "\n" : ""));
            out.flush();
            return;
        }
        int tenth = (int) (10L * done / total);
        if (tenth != lastTenth && (tenth > lastTenth) && (done >= total || tenth > 0)) {
            lastTenth = tenth;
            out.println(line);
        }
    }

    String render(int done, String status) {
        int filled = (int) ((long) WIDTH * Math.min(done, total) / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return String.format(Locale.ROOT, "%s [%s] %d/%d %.1fs%s", label, bar, done, total, seconds,
                status == null || status.isEmpty() ? "" : " " + status);
    }
}
