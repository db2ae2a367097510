package dev.trawl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.fetch.FetchStats;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.testkit.RedisServer;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** 200 concurrent requests for the same cold post cost the store exactly one read of it. */
class StampedeTest {
  private static final int REQUESTS = 200;
  private static final long HOT_POST = 4242;

  @Test
  void twoHundredConcurrentRequestsForOneColdPostCauseExactlyOneStoreRead() throws Exception {
    try (RedisServer server = RedisServer.start()) {
      final RedisFeed.Options o = new RedisFeed.Options();
      o.stageTimeoutMillis = 5_000;
      o.requestTimeoutMillis = 10_000;
      try (RedisFeed feed = new RedisFeed(server, o)) {
        feed.load(HOT_POST, 1);
        server.command("CONFIG", "RESETSTAT");
        final CyclicBarrier start = new CyclicBarrier(REQUESTS);
        final AtomicInteger full = new AtomicInteger();
        final AtomicInteger degraded = new AtomicInteger();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final Thread[] threads = new Thread[REQUESTS];
        for (int t = 0; t < REQUESTS; t++) {
          threads[t] = new Thread(() -> {
            try {
              final RequestContext ctx = feed.pipeline.newContext();
              final PipelineResult page = new PipelineResult();
              final RedisFeed.Request r = new RedisFeed.Request(1).range(HOT_POST, 1);
              start.await();
              if (feed.run(ctx, page, r)) {
                degraded.incrementAndGet();
              }
              full.addAndGet(r.fullRows());
            } catch (Throwable e) {
              error.set(e);
            }
          });
          threads[t].start();
        }
        for (Thread t : threads) {
          t.join();
        }
        assertThat(error.get()).isNull();
        assertThat(degraded.get()).isZero();
        assertThat(full.get()).as("requests that got the post's features").isEqualTo(REQUESTS);
        final FetchStats s = feed.fetch.stats();
        assertThat(s.claimed()).as("keys read from the store").isEqualTo(1);
        assertThat(s.storeCalls()).isEqualTo(1);
        assertThat(s.coalesced() + s.cacheHits()).as("requests served by that one read")
            .isEqualTo(REQUESTS - 1);
        // the server's own count agrees
        assertThat(server.commandCalls("mget")).as("MGET commands Redis executed").isEqualTo(1);
        System.out.printf("stampede: 1 store read, %d coalesced, %d near-cache hits%n",
            s.coalesced(), s.cacheHits());
      }
    }
  }
}
