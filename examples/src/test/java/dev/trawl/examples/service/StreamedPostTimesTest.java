package dev.trawl.examples.service;

import static dev.trawl.examples.service.ServiceTests.NOW;
import static dev.trawl.examples.service.ServiceTests.smallWorld;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.CandidateBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The creation times of streamed posts survive a restart through the file beside the snapshot, and
 * a file that is damaged or belongs to another cut of the stream is refused with an error naming the
 * problem (the service then restores the posts without times).
 */
class StreamedPostTimesTest {
  private static final SourcePositions CUT =
      SourcePositions.builder().put("posts", 0, 17).put("posts", 1, 23).build();

  @TempDir Path dir;

  @Test
  void timesWrittenAtACutReadBackExactlyForThatCut() throws IOException {
    final Path file = StreamedPostTimes.fileFor(dir.resolve("feed.idx"));
    assertThat(file.getFileName().toString()).isEqualTo("feed.idx.times");
    final Map<Long, Long> times = new HashMap<>();
    final Random random = new Random(5);
    for (int i = 0; i < 1_000; i++) {
      times.put(random.nextLong(), NOW - random.nextInt(1_000_000));
    }
    times.put(Long.MIN_VALUE, 0L);
    times.put(Long.MAX_VALUE, NOW);
    StreamedPostTimes.write(file, CUT, times);
    assertThat(StreamedPostTimes.read(file, CUT)).isEqualTo(times);
    assertThat(dir.resolve("feed.idx.times.tmp")).doesNotExist();
  }

  @Test
  void aFileWrittenAtAnotherCutIsRefusedNamingBothCuts() throws IOException {
    final Path file = dir.resolve("feed.idx.times");
    final SourcePositions earlier = SourcePositions.builder().put("posts", 0, 17).put("posts", 1, 20)
        .build();
    StreamedPostTimes.write(file, earlier, Map.of(2_000L, NOW));
    assertThatThrownBy(() -> StreamedPostTimes.read(file, CUT)).isInstanceOf(IOException.class)
        .hasMessageContaining("written at stream positions " + earlier)
        .hasMessageContaining("the snapshot is at " + CUT);
  }

  @Test
  void aMissingFileIsReportedAsMissing() {
    assertThatThrownBy(() -> StreamedPostTimes.read(dir.resolve("none.times"), CUT))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void everyFlippedByteAndEveryTruncationIsRefused() throws IOException {
    final Path file = dir.resolve("feed.idx.times");
    StreamedPostTimes.write(file, CUT, Map.of(2_000L, NOW, 2_001L, NOW - 5, -3L, NOW - 9));
    final byte[] good = Files.readAllBytes(file);
    final Path bad = dir.resolve("bad.times");
    for (int i = 0; i < good.length; i++) {
      final byte[] flipped = good.clone();
      flipped[i] ^= 0x10;
      Files.write(bad, flipped);
      assertThatThrownBy(() -> StreamedPostTimes.read(bad, CUT)).as("byte %d flipped", i)
          .isInstanceOf(IOException.class).hasMessageStartingWith(bad.toString());
    }
    for (int length = 0; length < good.length; length++) {
      Files.write(bad, Arrays.copyOf(good, length));
      assertThatThrownBy(() -> StreamedPostTimes.read(bad, CUT)).as("cut to %d bytes", length)
          .isInstanceOf(IOException.class).hasMessageStartingWith(bad.toString());
    }
    final byte[] longer = Arrays.copyOf(good, good.length + 1);
    Files.write(bad, longer);
    assertThatThrownBy(() -> StreamedPostTimes.read(bad, CUT)).isInstanceOf(IOException.class)
        .hasMessageContaining("bytes after the checksum");
  }

  @Test
  void aHostilePostCountIsRefusedBeforeAnythingIsAllocatedForIt() throws IOException {
    final Path file = dir.resolve("feed.idx.times");
    StreamedPostTimes.write(file, SourcePositions.NONE, Map.of());
    final byte[] bytes = Files.readAllBytes(file);
    // magic, version, 0 positions, then the post count
    ByteBuffer.wrap(bytes).putInt(12, Integer.MAX_VALUE);
    Files.write(file, bytes);
    assertThatThrownBy(() -> StreamedPostTimes.read(file, SourcePositions.NONE))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(Integer.MAX_VALUE + " posts in a file of " + bytes.length + " bytes");
  }

  @Test
  void aRestoredWorldRanksStreamedPostsByTheirTimesAndPutsTheNewestInTheRecentRing()
      throws Exception {
    final CorpusWorld first = CorpusWorld.build(smallWorld());
    final VectorIndex index = first.index();
    final float[] v = new float[index.dimension()];
    final Random random = new Random(9);
    final List<Long> streamed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      for (int d = 0; d < v.length; d++) {
        v[d] = (float) random.nextGaussian();
      }
      final long id = 5_000 + i;
      index.add(id, v, new ItemAttributes().author(70 + i).community(i));
      streamed.add(id);
    }
    // post 5002 has no time: it was restored without one before
    final Map<Long, Long> times = Map.of(5_000L, NOW - 3_000, 5_001L, NOW - 1_000);

    final CorpusWorld restored = CorpusWorld.build(smallWorld().index(index).streamedCreatedAt(times));
    assertThat(restored.createdAt(5_000)).isEqualTo(NOW - 3_000);
    assertThat(restored.createdAt(5_001)).isEqualTo(NOW - 1_000);
    assertThat(restored.createdAt(5_002)).isEqualTo(CandidateBatch.UNKNOWN);
    assertThat(restored.author(5_001)).isEqualTo(71);
    assertThat(restored.streamedCreatedAt()).isEqualTo(times);
    final List<Long> newest = new ArrayList<>();
    restored.recent().scanNewestFirst(newest, (seen, id, author, community, created) -> {
      seen.add(id);
      return seen.size() < 3;
    });
    assertThat(newest).as("newest first: the streamed posts by time, then the corpus's newest")
        .containsExactly(5_001L, 5_000L, 1_999L);

    final CorpusWorld withoutTimes = CorpusWorld.build(smallWorld().index(index));
    assertThat(withoutTimes.createdAt(5_001)).isEqualTo(CandidateBatch.UNKNOWN);
    assertThat(withoutTimes.streamedCreatedAt()).isEmpty();
    assertThat(streamed).allMatch(index::contains);
  }
}
