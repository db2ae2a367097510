package dev.trawl.examples.service;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.RequestContext;

/**
 * A fault drill: a candidate hydrator that does nothing until {@link #hang()} is called, after which
 * every call blocks until {@link #release()}, ignoring interrupts, as a read stuck on a dead
 * connection does. {@code trawl serve --fault-stage} adds it to the feed (stage {@link #NAME}) and
 * switches it through {@code POST /admin/hang}, so a service under load can be watched while one of
 * its stages stops answering: the pipeline abandons each call at the request deadline, counts it as
 * hung while it blocks, and refuses new calls once its limit of hung calls is reached.
 *
 * <p>It declares {@link #mayBlock()} (the default), so it runs on the pipeline's stage pool; while
 * released it costs one hand-off to that pool per request.
 *
 * <p><b>Thread-safety:</b> any number of threads may call {@link #hydrate} while others switch it.
 * <b>Allocation:</b> none.
 */
public final class HangingStage implements CandidateHydrator {
  /** The stage's name in the pipeline. */
  public static final String NAME = "fault";

  private final Object lock = new Object();
  private volatile boolean hanging;
  private int blocked; // guarded by lock
  private long blockedEver; // guarded by lock

  /** From now on, every call blocks until {@link #release()}. */
  public void hang() {
    hanging = true;
  }

  /** Lets every blocked call return; later calls return at once. */
  public void release() {
    synchronized (lock) {
      hanging = false;
      lock.notifyAll();
    }
  }

  /** {@return whether calls block now} */
  public boolean hanging() {
    return hanging;
  }

  /** {@return the calls blocked in this stage now: the stage-pool threads the fault holds} */
  public int blocked() {
    synchronized (lock) {
      return blocked;
    }
  }

  /** {@return the calls that have blocked since start} */
  public long blockedEver() {
    synchronized (lock) {
      return blockedEver;
    }
  }

  @Override
  public void hydrate(RequestContext ctx, CandidateBatch batch) {
    if (!hanging) {
      return;
    }
    boolean interrupted = false;
    synchronized (lock) {
      blocked++;
      blockedEver++;
      try {
        while (hanging) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            // the pipeline interrupts an abandoned call; a stuck dependency does not notice
            interrupted = true;
          }
        }
      } finally {
        blocked--;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
