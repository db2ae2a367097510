package dev.trawl.examples.service;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.RequestContext;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fault drill for the shadow variant: a candidate hydrator that does nothing until {@link
 * #start()}, after which every call throws, as a variant with a bug does, until {@link #stop()}.
 * {@code trawl serve --fault-stage --shadow-rate R} adds it to the candidate's pipeline only (stage
 * {@link #NAME}, fail-closed, so that each of the candidate's runs throws while it is on) and switches
 * it through {@code POST /admin/candidate-throws}: the live pages must not change, and the shadow
 * counts every candidate run as failed ({@code trawl_shadow_candidate_failures_total}).
 *
 * <p>Pure computation ({@link #mayBlock()} is false): it runs on the shadow worker's thread.
 *
 * <p><b>Thread-safety:</b> any number of threads may call {@link #hydrate} while others switch it.
 * <b>Allocation:</b> none while off; each throw allocates its exception.
 */
public final class ThrowingStage implements CandidateHydrator {
  /** The stage's name in the candidate's pipeline. */
  public static final String NAME = "candidate-fault";

  private volatile boolean throwing;
  private final AtomicLong thrown = new AtomicLong();

  /** From now on, every call throws. */
  public void start() {
    throwing = true;
  }

  /** From now on, calls return without doing anything. */
  public void stop() {
    throwing = false;
  }

  /** {@return whether calls throw now} */
  public boolean throwing() {
    return throwing;
  }

  /** {@return the calls that have thrown since start} */
  public long thrown() {
    return thrown.get();
  }

  @Override
  public boolean mayBlock() {
    return false;
  }

  @Override
  public void hydrate(RequestContext ctx, CandidateBatch batch) {
    if (throwing) {
      thrown.incrementAndGet();
      throw new IllegalStateException(
          "fault drill: the candidate's stage throws (POST /admin/candidate-throws?on=false stops it)");
    }
  }
}
