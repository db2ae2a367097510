package dev.trawl.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress bar on one terminal line, redrawn five times a second by a daemon thread while workers
 * count finished items with {@link #advance}. A disabled bar ({@link #NONE}, or when output is not
 * a terminal) draws nothing and costs one atomic add per call.
 *
 * <p>{@link #advance} is thread-safe and allocation-free; {@link #close} ends the line.
 */
final class Progress implements AutoCloseable {
  /** A bar that draws nothing. */
  static final Progress NONE = new Progress(null, "", 0);

  private static final int WIDTH = 30;

  private final PrintWriter out;
  private final String label;
  private final long total;
  private final AtomicLong done = new AtomicLong();
  private final long startNanos = System.nanoTime();
  private final Thread painter;
  private volatile boolean closed;

  private Progress(PrintWriter out, String label, long total) {
    this.out = out;
    this.label = label;
    this.total = total;
    if (out == null) {
      painter = null;
      return;
    }
    painter = new Thread(this::paintLoop, "trawl-progress");
    painter.setDaemon(true);
    painter.start();
  }

  /**
   * A bar over {@code total} items drawn on {@code out} when {@code enabled} is true, or when it is
   * null and the process runs on a terminal.
   */
  static Progress start(PrintWriter out, String label, long total, Boolean enabled) {
    final boolean on = enabled != null ? enabled : System.console() != null;
    return on ? new Progress(out, label, total) : NONE;
  }

  /** Counts {@code n} more items done. */
  void advance(long n) {
    done.addAndGet(n);
  }

  private void paintLoop() {
    while (!closed) {
      paint();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void paint() {
    final long d = Math.min(done.get(), total);
    final double fraction = total == 0 ? 1 : d / (double) total;
    final int filled = (int) (fraction * WIDTH);
    final double seconds = (System.nanoTime() - startNanos) / 1e9;
    final StringBuilder bar = new StringBuilder(WIDTH + 64).append('\r').append(label).append(" [");
    for (int i = 0; i < WIDTH; i++) {
      bar.append(i < filled ? '#' : i == filled ? '>' : ' ');
    }
    bar.append(
        String.format(Locale.ROOT, "] %3.0f%% %,d/%,d  %.1f s", fraction * 100, d, total, seconds));
    out.print(bar);
    out.flush();
  }

  @Override
  public void close() {
    if (painter == null || closed) {
      return;
    }
    closed = true;
    painter.interrupt();
    try {
      painter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    paint();
    out.println();
    out.flush();
  }
}
