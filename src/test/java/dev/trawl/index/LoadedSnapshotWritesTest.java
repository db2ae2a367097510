package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.HostileFiles.Base;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loaded snapshot whose items have no attributes (so the file has no attribute sections) accepts
 * every write on its loaded items, like a built index. (Found by {@link SnapshotFuzzTest}: the first
 * removal of a loaded item threw a NullPointerException after tombstoning it.)
 */
class LoadedSnapshotWritesTest {
  @TempDir Path dir;

  private VectorIndex loaded() throws Exception {
    return IndexSnapshot.load(Files.write(dir.resolve("graph.trawl"), Base.GRAPH.bytes()));
  }

  /** A live item of the loaded index, loaded from the file (not written since). */
  private static long loadedItem(VectorIndex index) {
    for (int o = 0; ; o++) {
      if (index.graph().isPublished(o) && !index.graph().isDeleted(o)) {
        return index.idOf(o);
      }
    }
  }

  @Test
  void removingALoadedItemRemovesIt() throws Exception {
    final VectorIndex index = loaded();
    final long id = loadedItem(index);
    final int size = index.size();
    index.remove(id);
    assertThat(index.contains(id)).isFalse();
    assertThat(index.size()).isEqualTo(size - 1);
  }

  @Test
  void attributesOfALoadedItemReadAsNoneAndCanBeSet() throws Exception {
    final VectorIndex index = loaded();
    final long id = loadedItem(index);
    final ItemAttributes out = new ItemAttributes().author(5);
    index.attributes(id, out);
    assertThat(out.author()).isEqualTo(ItemAttributes.NONE);
    assertThat(out.flags()).isZero();
    index.setAttributes(id, new ItemAttributes().flag(3));
    assertThat(index.attributes().flags().contains(3, index.ordinalOf(id))).isTrue();
  }
}
