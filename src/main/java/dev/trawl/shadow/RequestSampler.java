package dev.trawl.shadow;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records a sample of live requests to a {@link RequestLog} for offline replay. The request thread
 * only copies the request into a pre-allocated record; a background thread writes it. Like
 * {@link ShadowMode}, a full queue drops the sample (counted) and nothing ever blocks or throws on
 * the request thread.
 *
 * <p><b>Thread-safe.</b> <b>Allocation:</b> {@link #offer} allocates nothing once the records have
 * grown to the working size (and if the capture does not). {@link #close} flushes and closes the
 * writer.
 */
public final class RequestSampler<H> implements AutoCloseable {
  private final RequestCapture<H> capture;
  private final RequestLog.Writer writer;
  private final JobPool<RequestRecord> jobs;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong writeFailures = new AtomicLong();
  private volatile double sampleRate;
  /** Copies an offered request into a record (request thread); one per sampler. */
  private final JobPool.Filler<RequestRecord, H, Void> filler;

  private RequestSampler(RequestCapture<H> capture, RequestLog.Writer writer, double rate, int capacity) {
    this.capture = capture;
    this.writer = writer;
    this.sampleRate = rate;
    this.filler = (record, request, unused, unusedToo) -> capture.capture(request, record.clear());
    final List<RequestRecord> records = new ArrayList<>(capacity);
    for (int i = 0; i < capacity; i++) {
      records.add(new RequestRecord());
    }
    jobs = new JobPool<>(records, 1, "trawl-request-sampler", this::write);
  }

  /**
   * Starts sampling into {@code writer} (which the sampler then owns and closes).
   *
   * @param rate fraction of offered requests recorded, in [0, 1]
   * @param capacity requests that may wait for the writer before samples are dropped
   * @param <H> the host's request type
   * @param capture copies a request's inputs into a record
   * @param writer the log written to
   * @return a new, running sampler
   */
  public static <H> RequestSampler<H> start(
      RequestCapture<H> capture, RequestLog.Writer writer, double rate, int capacity) {
    if (capture == null || writer == null) {
      throw new IllegalArgumentException("capture and writer are required");
    }
    JobPool.checkRate(rate);
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    }
    return new RequestSampler<>(capture, writer, rate, capacity);
  }

  /**
   * Samples {@code request}; if sampled, copies it for the writer or counts a drop. Never blocks or
   * throws.
   *
   * @param request the host's request, read during the call only
   * @return whether the request was queued for writing
   */
  public boolean offer(H request) {
    final int outcome = jobs.offer(sampleRate, filler, request, null, 0L);
    if (outcome == JobPool.FULL) {
      dropped.incrementAndGet();
    }
    return outcome == JobPool.QUEUED_JOB;
  }

  /**
   * Changes the fraction of offered requests recorded.
   *
   * @param rate the fraction, in [0, 1]
   */
  public void sampleRate(double rate) {
    sampleRate = JobPool.checkRate(rate);
  }

  /**
   * {@return the requests written to the log}
   */
  public long written() {
    return writer.written();
  }

  /**
   * {@return the sampled requests dropped because the writer was behind}
   */
  public long dropped() {
    return dropped.get();
  }

  /**
   * {@return the sampled requests whose capture threw}
   */
  public long captureFailures() {
    return jobs.fillFailures();
  }

  /**
   * {@return the records the writer failed to write}
   */
  public long writeFailures() {
    return writeFailures.get();
  }

  /**
   * Waits until every queued request is written, then flushes.
   *
   * @param timeout how long to wait at most
   * @param unit the unit of {@code timeout}
   * @return true when everything queued was written within the timeout
   * @throws InterruptedException if the thread is interrupted while waiting
   * @throws IOException if the log cannot be flushed
   */
  public boolean flush(long timeout, TimeUnit unit) throws InterruptedException, IOException {
    final boolean idle = jobs.awaitIdle(timeout, unit);
    writer.flush();
    return idle;
  }

  /** Writes what is queued (up to 10 s), stops the writer thread and closes the file. */
  @Override
  public void close() throws IOException {
    try {
      jobs.awaitIdle(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    jobs.close();
    writer.close();
  }

  private void write(RequestRecord record) {
    try {
      writer.append(record);
    } catch (IOException e) {
      writeFailures.incrementAndGet();
    }
  }
}
