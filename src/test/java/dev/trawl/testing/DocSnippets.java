package dev.trawl.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ties the code blocks of a Markdown page to the test that compiles them. A test holds each example
 * between a {@code // snippet:NAME} line and a {@code // snippet:end} line, inside the method that runs
 * it; {@link #javaBlocks} reads the page's {@code ```java} blocks, {@link #regions} the test's
 * snippets, and the test asserts that every block is one of its snippets, so the page shows exactly
 * what compiles and runs. A block's {@code import} lines are compared with the test file's imports
 * instead, since a method cannot hold them.
 *
 * <p>Comparison is on text with the common leading indentation removed and trailing blank lines
 * dropped. Stateless: every call reads the file anew and returns new objects.
 */
public final class DocSnippets {
  private static final String START = "// snippet:";
  private static final String END = "// snippet:end";

  private DocSnippets() {}

  /** One Java block of a page: its import lines and the rest (the code a test method holds). */
  public record Block(List<String> imports, String body) {}

  /** The page's {@code ```java} blocks, in order. */
  public static List<Block> javaBlocks(Path markdown) {
    final List<Block> blocks = new ArrayList<>();
    for (final String block : fencedBlocks(markdown, "java")) {
      final List<String> imports = new ArrayList<>();
      final StringBuilder body = new StringBuilder();
      for (final String line : block.split("\n", -1)) {
        if (line.startsWith("import ")) {
          imports.add(line);
        } else if (body.length() > 0 || !line.isBlank()) {
          body.append(line).append('\n');
        }
      }
      blocks.add(new Block(imports, normalise(body.toString())));
    }
    return blocks;
  }

  /** The page's fenced blocks of {@code language} ({@code java}, {@code xml}, ...), in order. */
  public static List<String> fencedBlocks(Path markdown, String language) {
    final List<String> blocks = new ArrayList<>();
    StringBuilder current = null;
    for (final String line : readLines(markdown)) {
      if (current == null) {
        if (line.equals("```" + language)) {
          current = new StringBuilder();
        }
      } else if (line.equals("```")) {
        blocks.add(current.toString());
        current = null;
      } else {
        current.append(line).append('\n');
      }
    }
    if (current != null) {
      throw new IllegalStateException(markdown + ": a ```" + language + " block is never closed");
    }
    return blocks;
  }

  /** The snippets of a source file by name, in order, each with its common indentation removed. */
  public static Map<String, String> regions(Path source) {
    final Map<String, String> regions = new LinkedHashMap<>();
    String name = null;
    StringBuilder current = null;
    for (final String line : readLines(source)) {
      final String trimmed = line.strip();
      if (trimmed.equals(END)) {
        if (name == null) {
          throw new IllegalStateException(source + ": " + END + " without a start");
        }
        regions.put(name, normalise(current.toString()));
        name = null;
      } else if (trimmed.startsWith(START)) {
        if (name != null) {
          throw new IllegalStateException(source + ": snippet " + name + " is never ended");
        }
        name = trimmed.substring(START.length());
        current = new StringBuilder();
      } else if (name != null) {
        current.append(line).append('\n');
      }
    }
    if (name != null) {
      throw new IllegalStateException(source + ": snippet " + name + " is never ended");
    }
    return regions;
  }

  /** The {@code import} lines of a Java source file. */
  public static List<String> imports(Path source) {
    final List<String> imports = new ArrayList<>();
    for (final String line : readLines(source)) {
      if (line.startsWith("import ")) {
        imports.add(line);
      }
    }
    return imports;
  }

  private static String normalise(String text) {
    final String[] lines = text.stripTrailing().split("\n", -1);
    int indent = Integer.MAX_VALUE;
    for (final String line : lines) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    final StringBuilder out = new StringBuilder();
    for (final String line : lines) {
      out.append(line.isBlank() ? "" : line.substring(indent).stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
