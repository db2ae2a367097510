package dev.trawl.examples.load;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * What a JFR recording of the feed service says about memory: allocation by layer (the library,
 * the HTTP server, GraphQL, JSON, the stores' clients, the service's own code), by thread, and the
 * GC pauses and heap after GC over the recording.
 *
 * <p>Allocation comes from {@code jdk.ObjectAllocationSample} events (on by default; the {@code
 * profile} settings sample more often), each weighted by the bytes it stands for. A sample is
 * charged to the innermost frame of its stack that is neither the JDK's nor one of the library's
 * runtime dependencies (RoaringBitmap, Agrona, HdrHistogram: their allocations are their caller's),
 * so an {@code ArrayList} grown by Jackson counts as JSON and one grown by the pipeline counts as
 * the library. Samples with no such frame (JVM and JDK threads) are {@code JDK}.
 *
 * <p><b>Not thread-safe</b> while {@link #read} fills it; immutable afterwards. <b>Allocation:</b>
 * reading allocates per event; this is an offline tool.
 */
public final class AllocationProfile {
  /** Layers in the order tables list them; {@link #layer} returns one of these. */
  public static final List<String> LAYERS = List.of(
      "Trawl library (dev.trawl)",
      "service code (dev.trawl.examples, dev.trawl.cli)",
      "HTTP server (Jetty)",
      "GraphQL (graphql-java)",
      "JSON (Jackson)",
      "metrics (Micrometer)",
      "Kafka (connector and client)",
      "Redis (integration and Lettuce/Netty)",
      "other libraries",
      "JDK");

  private final Map<String, Long> byLayer = new LinkedHashMap<>();
  private final Map<String, Long> byThread = new LinkedHashMap<>();
  private final Map<String, Long> libraryByThread = new LinkedHashMap<>();
  private long samples;
  private long gcCount;
  private Duration gcPauses = Duration.ZERO;
  private Duration longestPause = Duration.ZERO;
  private long heapAfterGcMax;
  private long heapAfterGcMin = Long.MAX_VALUE;
  private Instant first;
  private Instant last;

  private AllocationProfile() {
    for (String l : LAYERS) {
      byLayer.put(l, 0L);
    }
  }

  /**
   * The layer that allocated, from the class names of a sample's frames, innermost first.
   *
   * @param frames fully qualified class names (dots), innermost frame first
   * @return one of {@link #LAYERS}
   */
  public static String layer(List<String> frames) {
    for (String c : frames) {
      if (c.startsWith("java.") || c.startsWith("javax.") || c.startsWith("jdk.")
          || c.startsWith("sun.") || c.startsWith("com.sun.") || c.startsWith("org.roaringbitmap.")
          || c.startsWith("org.agrona.") || c.startsWith("org.HdrHistogram.")) {
        continue;
      }
      if (c.startsWith("dev.trawl.examples.") || c.startsWith("dev.trawl.cli.")) {
        return LAYERS.get(1);
      }
      if (c.startsWith("dev.trawl.kafka.") || c.startsWith("org.apache.kafka.")) {
        return LAYERS.get(6);
      }
      if (c.startsWith("dev.trawl.redis.") || c.startsWith("io.lettuce.") || c.startsWith("io.netty.")
          || c.startsWith("reactor.")) {
        return LAYERS.get(7);
      }
      if (c.startsWith("dev.trawl.")) {
        return LAYERS.get(0);
      }
      if (c.startsWith("org.eclipse.jetty.")) {
        return LAYERS.get(2);
      }
      if (c.startsWith("graphql.")) {
        return LAYERS.get(3);
      }
      if (c.startsWith("com.fasterxml.jackson.")) {
        return LAYERS.get(4);
      }
      if (c.startsWith("io.micrometer.")) {
        return LAYERS.get(5);
      }
      return LAYERS.get(8);
    }
    return LAYERS.get(9);
  }

  /**
   * A thread's group: its name up to its first separated number ({@code trawl-http-42} is {@code
   * trawl-http}, as is Jetty's acceptor {@code trawl-http-40-acceptor-0@...}; {@code C1
   * CompilerThread0} stays itself), so a pool's threads add up; a table cell, so without {@code |}.
   */
  static String threadGroup(String name) {
    if (name == null) {
      return "(unnamed)";
    }
    return name.replaceAll("[-_ #]\\d.*$", "").replace('|', '/');
  }

  /**
   * Reads {@code jfr}.
   *
   * @throws IOException when the file cannot be read or is not a recording
   */
  public static AllocationProfile read(Path jfr) throws IOException {
    final AllocationProfile p = new AllocationProfile();
    try (RecordingFile file = new RecordingFile(jfr)) {
      while (file.hasMoreEvents()) {
        p.add(file.readEvent());
      }
    }
    return p;
  }

  private void add(RecordedEvent e) {
    switch (e.getEventType().getName()) {
      case "jdk.ObjectAllocationSample" -> {
        // the span of the samples: a recording's chunk also holds events that began before it
        final Instant t = e.getStartTime();
        first = first == null || t.isBefore(first) ? t : first;
        last = last == null || t.isAfter(last) ? t : last;
        final long weight = e.getLong("weight");
        final RecordedStackTrace stack = e.getStackTrace();
        final List<String> frames = new ArrayList<>();
        if (stack != null) {
          for (RecordedFrame f : stack.getFrames()) {
            if (f.isJavaFrame()) {
              frames.add(f.getMethod().getType().getName());
            }
          }
        }
        final String layer = layer(frames);
        byLayer.merge(layer, weight, Long::sum);
        final RecordedThread thread = e.getThread("eventThread");
        final String group = threadGroup(thread == null ? null : thread.getJavaName());
        byThread.merge(group, weight, Long::sum);
        if (layer.equals(LAYERS.get(0))) {
          libraryByThread.merge(group, weight, Long::sum);
        }
        samples++;
      }
      case "jdk.GarbageCollection" -> {
        gcCount++;
        final Duration sum = e.getDuration("sumOfPauses");
        gcPauses = gcPauses.plus(sum);
        final Duration longest = e.getDuration("longestPause");
        longestPause = longest.compareTo(longestPause) > 0 ? longest : longestPause;
      }
      case "jdk.GCHeapSummary" -> {
        if ("After GC".equals(e.getString("when"))) {
          final long used = e.getLong("heapUsed");
          heapAfterGcMax = Math.max(heapAfterGcMax, used);
          heapAfterGcMin = Math.min(heapAfterGcMin, used);
        }
      }
      default -> {
        // other events are not summarised
      }
    }
  }

  /** {@return the sampled bytes charged to {@code layer}} */
  public long bytes(String layer) {
    return byLayer.getOrDefault(layer, 0L);
  }

  /** {@return the sampled bytes of all layers} */
  public long totalBytes() {
    return byLayer.values().stream().mapToLong(Long::longValue).sum();
  }

  /** {@return allocation samples read} */
  public long samples() {
    return samples;
  }

  /** {@return garbage collections in the recording} */
  public long gcCount() {
    return gcCount;
  }

  /** The summary as Markdown: totals, then the by-layer and by-thread tables. */
  public String toMarkdown() {
    final StringBuilder b = new StringBuilder();
    final double seconds = first == null ? 0 : Duration.between(first, last).toMillis() / 1e3;
    final double total = Math.max(1, totalBytes());
    b.append(String.format(Locale.ROOT,
        "recording: %.1f s; allocation %.1f MB/s (%,d samples, %.0f MB in all); %d GC pauses, %.1f ms"
            + " in all, longest %.1f ms; heap after GC %s%n%n",
        seconds, seconds > 0 ? total / 1e6 / seconds : 0, samples, total / 1e6, gcCount,
        gcPauses.toNanos() / 1e6, longestPause.toNanos() / 1e6,
        heapAfterGcMin == Long.MAX_VALUE ? "n/a (no GC)" : String.format(Locale.ROOT, "%.0f to %.0f MB",
            heapAfterGcMin / 1e6, heapAfterGcMax / 1e6)));
    b.append("| allocated by | MB | share |\n|---|---:|---:|\n");
    for (String l : LAYERS) {
      b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f%% |%n", l, bytes(l) / 1e6,
          100 * bytes(l) / total));
    }
    table(b, "thread", byThread, total);
    table(b, "thread (the Trawl library's allocation only)", libraryByThread, total);
    return b.toString();
  }

  private static void table(StringBuilder b, String what, Map<String, Long> bytes, double total) {
    b.append("\n| ").append(what).append(" | MB | share of all |\n|---|---:|---:|\n");
    bytes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(10).forEach(t -> b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f%% |%n",
            t.getKey(), t.getValue() / 1e6, 100 * t.getValue() / total)));
  }
}
