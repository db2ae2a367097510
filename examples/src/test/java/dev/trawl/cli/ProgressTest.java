package dev.trawl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void enabledBarRedrawsOneLineAndEndsAtTheTotal() {
    final StringWriter text = new StringWriter();
    try (Progress bar = Progress.start(new PrintWriter(text), "building", 1000, true)) {
      bar.advance(400);
      bar.advance(600);
    }
    final String out = text.toString();
    assertThat(out).startsWith("\rbuilding [").endsWith(System.lineSeparator());
    final String last = out.substring(out.lastIndexOf('\r') + 1).strip();
    assertThat(last).contains("[##############################] 100% 1,000/1,000");
  }

  @Test
  void disabledBarDrawsNothing() {
    final StringWriter text = new StringWriter();
    try (Progress bar = Progress.start(new PrintWriter(text), "building", 1000, false)) {
      bar.advance(1000);
    }
    assertThat(text.toString()).isEmpty();
  }
}
