package dev.trawl.kafka;

import dev.trawl.filter.ItemAttributes;

/**
 * One decoded post event, as a reusable holder that {@link PostEventDecoder#decode} fills: the post
 * id, the op, the version and, for an {@link EventFormat#UPSERT}, the created-at time, the
 * attributes and the vector.
 *
 * <p><b>Not thread-safe</b>: one per decoding thread. The vector array and the attributes holder
 * are allocated once and overwritten by every decode; a listener that keeps them past its call must
 * copy them. <b>Allocation:</b> none after construction.
 */
public final class PostEvent {
  final float[] vector;
  final ItemAttributes attributes = new ItemAttributes();
  long id;
  byte op;
  long version;
  long createdAt;

  /** A holder for events whose vectors have {@code dimension} components. */
  public PostEvent(int dimension) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be positive, got " + dimension);
    }
    this.vector = new float[dimension];
  }

  /** The post id (the record's key). */
  public long id() {
    return id;
  }

  /** {@link EventFormat#UPSERT} or {@link EventFormat#REMOVE}. */
  public byte op() {
    return op;
  }

  /** The event's version; a write applies only when it is newer than the last one seen. */
  public long version() {
    return version;
  }

  /** Epoch milliseconds the producer set on an upsert; 0 for a remove. */
  public long createdAt() {
    return createdAt;
  }

  /** The upsert's vector (overwritten by the next decode; meaningless after a remove). */
  public float[] vector() {
    return vector;
  }

  /** The upsert's attributes (overwritten by the next decode; cleared by a remove). */
  public ItemAttributes attributes() {
    return attributes;
  }
}
