package dev.trawl.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FrequencySketchTest {
  @Test
  void countsSaturateAtFifteen() {
    final FrequencySketch sketch = new FrequencySketch(1024);
    for (int i = 0; i < 10; i++) {
      sketch.increment(77);
    }
    assertThat(sketch.frequency(77)).isEqualTo(10);
    for (int i = 0; i < 20; i++) {
      sketch.increment(77);
    }
    assertThat(sketch.frequency(77)).isEqualTo(15);
    assertThat(sketch.frequency(78)).isZero();
  }

  @Test
  void countersAreHalvedOnceTheSampleIsFull() {
    final FrequencySketch sketch = new FrequencySketch(64);
    for (int i = 0; i < 12; i++) {
      sketch.increment(5);
    }
    long key = 1000;
    while (sketch.resets() == 0) {
      sketch.increment(key++);
    }
    assertThat(key - 1000).isLessThan(10 * 64);
    assertThat(sketch.frequency(5)).isBetween(5, 7);
  }
}
