package dev.trawl.index;

import java.nio.file.Path;

/**
 * Loads the snapshot named by its argument and prints what happened on one line: {@code loaded N}
 * or the failure's class and message. Run in a JVM with a small heap by {@link LoaderResourceTest}.
 */
final class LoadInSmallHeap {
  private LoadInSmallHeap() {}

  public static void main(String[] args) {
    try {
      System.out.println("loaded " + IndexSnapshot.load(Path.of(args[0])).size());
    } catch (Throwable t) {
      System.out.println(t.getClass().getName() + ": " + t.getMessage());
    }
  }
}
