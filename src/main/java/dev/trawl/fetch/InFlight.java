package dev.trawl.fetch;

import org.agrona.collections.Long2ObjectHashMap;

/**
 * The keys being fetched right now, one entry per key however many requests want it: request
 * coalescing. The first request to miss a key claims it (its {@link FetchCall} will fetch it); later
 * ones join that call and wait for the same answer.
 *
 * <p>Striped: a key's stripe is one Agrona {@link Long2ObjectHashMap} under one monitor, so claims on
 * different keys rarely contend. <b>Thread-safe.</b> <b>Allocation:</b> a {@link Pending} per claimed
 * key (the miss path; the store call allocates far more); joining allocates nothing.
 */
final class InFlight {
  private static final int STRIPES = 64;

  /** One claimed key: the call fetching it and its index there. */
  static final class Pending {
    final FetchCall call;
    final int index;
    final long claimedNanos;

    Pending(FetchCall call, int index, long claimedNanos) {
      this.call = call;
      this.index = index;
      this.claimedNanos = claimedNanos;
    }
  }

  private final Object[] locks = new Object[STRIPES];
  private final Long2ObjectHashMap<Pending>[] maps;
  private final long maxAgeNanos;

  @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type
  InFlight(long maxAgeNanos) {
    this.maxAgeNanos = maxAgeNanos;
    this.maps = new Long2ObjectHashMap[STRIPES];
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
      maps[i] = new Long2ObjectHashMap<>(64, 0.65f);
    }
  }

  /**
   * The pending fetch of {@code key}: an existing one (joined), or a new one added to {@code call}
   * (claimed: {@code result.call == call}). Returns {@code null} if, under the stripe lock, the near
   * cache turned out to hold the key after all (its fetch was published between the caller's cache
   * lookup and this call): then {@code row} holds the record, or {@code found[0]} is false for a
   * negative entry. A pending older than the maximum age is presumed lost (its fetcher never
   * answered) and replaced.
   */
  Pending claimOrJoin(long key, long now, FetchCall call, NearCache cache, float[] row,
      boolean[] found, FeatureFetch owner) {
    final int stripe = (int) (NearCache.mix(key) >>> 58) & (STRIPES - 1);
    synchronized (locks[stripe]) {
      final Long2ObjectHashMap<Pending> map = maps[stripe];
      final Pending existing = map.get(key);
      if (existing != null) {
        if (now - existing.claimedNanos < maxAgeNanos) {
          return existing;
        }
        owner.staleReplaced.increment();
      } else if (cache != null) {
        // publication puts into the cache before it removes the key from this table
        final int r = cache.lookup(key, now, row, 0);
        if (r != NearCache.MISS) {
          found[0] = r == NearCache.HIT;
          return null;
        }
      }
      final Pending p = new Pending(call, call.size(), now);
      call.add(key, p);
      map.put(key, p);
      return p;
    }
  }

  /** Removes {@code key} if it is still {@code pending}'s (a replaced, stale one is left alone). */
  void remove(long key, Pending pending) {
    final int stripe = (int) (NearCache.mix(key) >>> 58) & (STRIPES - 1);
    synchronized (locks[stripe]) {
      final Long2ObjectHashMap<Pending> map = maps[stripe];
      if (map.get(key) == pending) {
        map.remove(key);
      }
    }
  }

  /** Keys in flight (a moment's view; takes every stripe lock). */
  int size() {
    int n = 0;
    for (int i = 0; i < STRIPES; i++) {
      synchronized (locks[i]) {
        n += maps[i].size();
      }
    }
    return n;
  }
}
