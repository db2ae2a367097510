package dev.trawl.hnsw;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.Arrays;

/**
 * Epoch-based quiescence for reusing the ordinals of deleted nodes: tells the reclaimer when every graph
 * walk that might still hold an ordinal has finished.
 *
 * <p>The graph keeps a global epoch, advanced by the reclaimer (and by an index that needs a point in
 * time to tell walks pinned before it from later ones; an extra advance only makes later walks newer,
 * which never frees anything early). Every walker (a searcher, an
 * inserting thread, a repair) owns a {@link Slot}; at the start of a walk it announces the epoch it
 * entered at, and at the end it clears the slot. When the reclaimer has unlinked some dead nodes and
 * then advanced the epoch to {@code E}, a walker whose slot is idle or holds at least {@code E} cannot
 * reach them, so once {@link #oldestPinned()} is at least {@code E} they may be reused.
 *
 * <p><b>Memory ordering.</b> {@link Slot#pin} is a volatile write of the slot followed by a volatile
 * re-read of the epoch (repeated while the epoch moved), the announce-then-check of classic epoch
 * reclamation: since volatile accesses are sequentially consistent, either the reclaimer's scan sees the
 * announcement, or the walker's re-read sees the reclaimer's advance, and with it everything written
 * before the advance (the unlinking). {@link Slot#unpin} is a release write: the walk's reads happen
 * before the reclaimer, which reads the slot with acquire, reuses anything.
 *
 * <p><b>Thread-safety:</b> slots are written by their owner only; {@link #register},
 * {@link #advance} and {@link #oldestPinned} are safe from any thread (they take a short lock that no
 * walker ever takes). Slots are held weakly, so a searcher the host drops does not leak its slot.
 * <b>Allocation:</b> {@link #register} allocates the slot and a weak reference (once per walker); pin
 * and unpin allocate nothing.
 */
public final class WalkEpochs {
  private static final VarHandle EPOCH;
  private static final VarHandle PINNED;

  static {
    try {
      final MethodHandles.Lookup lookup = MethodHandles.lookup();
      EPOCH = lookup.findVarHandle(WalkEpochs.class, "epoch", long.class);
      PINNED = lookup.findVarHandle(Slot.class, "pinned", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Epochs start at 1, so a slot holding 0 is idle. */
  private volatile long epoch = 1;

  private final Object lock = new Object();
  @SuppressWarnings("unchecked")
  private WeakReference<Slot>[] slots = new WeakReference[16];
  private int slotCount;

  /** The current epoch (volatile read). */
  public long current() {
    return epoch;
  }

  /**
   * Advances the epoch and returns the new value: walks pinned before the call hold a smaller epoch,
   * walks that pin after it hold at least the returned one.
   */
  public long advance() {
    synchronized (lock) {
      final long next = epoch + 1;
      EPOCH.setVolatile(this, next);
      return next;
    }
  }

  /** A new idle slot for one walker, held weakly by this registry. */
  public Slot register() {
    final Slot slot = new Slot(this);
    synchronized (lock) {
      if (slotCount == slots.length) {
        compactLocked();
        if (slotCount == slots.length) {
          slots = Arrays.copyOf(slots, slots.length * 2);
        }
      }
      slots[slotCount++] = new WeakReference<>(slot);
    }
    return slot;
  }

  /**
   * The smallest epoch announced by a walker that is inside its walk, or {@code Long.MAX_VALUE} when
   * none is. Drops the slots of collected walkers.
   */
  public long oldestPinned() {
    synchronized (lock) {
      long oldest = Long.MAX_VALUE;
      for (int i = 0; i < slotCount; i++) {
        final Slot slot = slots[i].get();
        if (slot != null) {
          final long pinned = (long) PINNED.getVolatile(slot);
          if (pinned != 0 && pinned < oldest) {
            oldest = pinned;
          }
        }
      }
      compactLocked();
      return oldest;
    }
  }

  /** Number of registered slots still alive (for tests). */
  public int liveSlots() {
    synchronized (lock) {
      compactLocked();
      return slotCount;
    }
  }

  private void compactLocked() {
    int kept = 0;
    for (int i = 0; i < slotCount; i++) {
      if (slots[i].get() != null) {
        slots[kept++] = slots[i];
      }
    }
    Arrays.fill(slots, kept, slotCount, null);
    slotCount = kept;
  }

  /**
   * One walker's announcement. Not thread-safe: written by its owner only (the reclaimer only reads).
   */
  public static final class Slot {
    private final WalkEpochs epochs;
    @SuppressWarnings("unused") // accessed through PINNED
    private volatile long pinned;
    private boolean held; // owner's plain copy of pinned != 0, so pin() is free when already pinned

    private Slot(WalkEpochs epochs) {
      this.epochs = epochs;
    }

    /** Announces the current epoch unless this slot is already pinned. */
    public void pin() {
      if (held) {
        return;
      }
      long e = epochs.epoch;
      while (true) {
        PINNED.setVolatile(this, e);
        final long again = epochs.epoch;
        if (again == e) {
          break;
        }
        e = again;
      }
      held = true;
    }

    /** Clears the announcement: the walk is over and holds no ordinal. */
    public void unpin() {
      if (held) {
        PINNED.setRelease(this, 0L);
        held = false;
      }
    }

    /** Whether the owner is inside a walk. */
    public boolean isPinned() {
      return held;
    }

    /** The announced epoch, 0 when idle (for tests). */
    public long pinnedEpoch() {
      return (long) PINNED.getVolatile(this);
    }
  }
}
