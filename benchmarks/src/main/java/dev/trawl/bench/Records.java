package dev.trawl.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Appends facts that JMH does not measure (recall@10 at each ef, bytes per item, build sizes, kernel
 * names) as one JSON object per line to the file named by {@code -Dtrawl.bench.records}; the report
 * joins them with JMH's JSON results. Without the property it prints them. Thread-safe (synchronised
 * appends).
 */
public final class Records {
  private Records() {}

  /** Writes one record; {@code keyValues} alternates keys and values (String, Number or Boolean). */
  public static synchronized void write(String kind, Object... keyValues) {
    final StringBuilder json = new StringBuilder("{\"kind\":\"").append(kind).append('"');
    for (int i = 0; i < keyValues.length; i += 2) {
      json.append(",\"").append(keyValues[i]).append("\":");
      final Object v = keyValues[i + 1];
      if (v instanceof Double || v instanceof Float) {
        json.append(String.format(Locale.ROOT, "%.6g", ((Number) v).doubleValue()));
      } else if (v instanceof Number || v instanceof Boolean) {
        json.append(v);
      } else {
        json.append('"').append(String.valueOf(v).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
    }
    json.append("}\n");
    final String file = System.getProperty("trawl.bench.records");
    if (file == null) {
      System.out.print("record " + json);
      return;
    }
    try {
      final Path path = Paths.get(file);
      if (path.getParent() != null) {
        Files.createDirectories(path.getParent());
      }
      Files.writeString(
          path, json, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
