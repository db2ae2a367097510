package dev.trawl.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private final long[] now = {0};
  private final CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(3)
      .openFor(100, TimeUnit.MILLISECONDS).clock(() -> now[0]).build();

  private void advanceMillis(long ms) {
    now[0] += TimeUnit.MILLISECONDS.toNanos(ms);
  }

  @Test
  void consecutiveFailuresOpenItAndASuccessInBetweenResetsTheCount() {
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    breaker.onFailure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.openedCount()).isEqualTo(1);
    assertThat(breaker.tryAcquire()).isFalse();
    assertThat(breaker.refusedCalls()).isEqualTo(1);
  }

  @Test
  void afterTheOpenPeriodExactlyOneProbeGoesThroughAndItsSuccessCloses() {
    open();
    advanceMillis(99);
    assertThat(breaker.tryAcquire()).isFalse();
    advanceMillis(1);
    assertThat(breaker.tryAcquire()).as("the probe").isTrue();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(breaker.tryAcquire()).as("a second caller while the probe runs").isFalse();
    breaker.onSuccess();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.tryAcquire()).isTrue();
  }

  @Test
  void aFailedProbeOpensItForAnotherPeriod() {
    open();
    advanceMillis(100);
    assertThat(breaker.tryAcquire()).isTrue();
    breaker.onFailure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.openedCount()).isEqualTo(2);
    advanceMillis(50);
    assertThat(breaker.tryAcquire()).isFalse();
    advanceMillis(50);
    assertThat(breaker.tryAcquire()).isTrue();
  }

  @Test
  void aProbeThatNeverReportsIsPresumedLost() {
    open();
    advanceMillis(100);
    assertThat(breaker.tryAcquire()).isTrue();
    advanceMillis(100);
    assertThat(breaker.tryAcquire()).as("another probe after a silent one").isTrue();
  }

  private void open() {
    for (int i = 0; i < 3; i++) {
      breaker.onFailure();
    }
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
  }
}
