package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestLogTest {
  @TempDir Path dir;

  private static RequestRecord randomRecord(Random r) {
    final RequestRecord rec = new RequestRecord()
        .userId(r.nextLong()).nowMillis(r.nextLong()).seed(r.nextLong())
        .pageSize(r.nextInt(100)).timeoutNanos(r.nextInt(1_000_000));
    if (r.nextBoolean()) {
      final float[] v = new float[1 + r.nextInt(64)];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextFloat();
      }
      rec.vector(v, v.length);
    }
    for (int i = r.nextInt(20); i > 0; i--) {
      rec.addSeen(r.nextLong());
    }
    for (int i = r.nextInt(5); i > 0; i--) {
      rec.addBlockedAuthor(r.nextLong());
    }
    for (int i = r.nextInt(3); i > 0; i--) {
      rec.addMutedCommunity(r.nextLong());
    }
    for (int i = r.nextInt(5); i > 0; i--) {
      rec.addFollowedCommunity(r.nextLong());
    }
    for (int i = r.nextInt(4); i > 0; i--) {
      rec.attribute("f" + i, r.nextFloat());
    }
    return rec;
  }

  @Test
  void recordsRoundTripThroughAFile() throws IOException {
    final Random r = new Random(99);
    final List<RequestRecord> written = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      written.add(randomRecord(r));
    }
    final Path file = dir.resolve("log.trq");
    RequestLog.writeAll(file, written);
    assertThat(RequestLog.readAll(file)).containsExactlyElementsOf(written);
  }

  @Test
  void aFirstVersionFileReadsAsRequestsWithoutMutedCommunities() throws IOException {
    final Path file = dir.resolve("v1.trq");
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(Files.newOutputStream(file))) {
      out.write(new byte[] {'T', 'R', 'W', 'L', 'R', 'E', 'Q', '1'});
      out.writeByte(0x52);
      out.writeLong(7); // user
      out.writeLong(1_000); // now
      out.writeLong(3); // seed
      out.writeInt(20); // page size
      out.writeLong(0); // timeout
      out.writeInt(-1); // no vector
      out.writeInt(1); // one seen id
      out.writeLong(42);
      out.writeInt(1); // one blocked author
      out.writeLong(9);
      out.writeInt(1); // one followed community (v1 has no muted communities before it)
      out.writeLong(5);
      out.writeInt(0); // no attributes
    }
    final RequestRecord expected = new RequestRecord().userId(7).nowMillis(1_000).seed(3).pageSize(20)
        .addSeen(42).addBlockedAuthor(9).addFollowedCommunity(5);
    assertThat(RequestLog.readAll(file)).containsExactly(expected);
  }

  @Test
  void readerReusesOneRecord() throws IOException {
    final Path file = dir.resolve("log.trq");
    RequestLog.writeAll(file, List.of(new RequestRecord().userId(1).addSeen(5), new RequestRecord().userId(2)));
    final RequestRecord into = new RequestRecord();
    try (RequestLog.Reader reader = RequestLog.reader(file)) {
      assertThat(reader.next(into)).isTrue();
      assertThat(into.userId()).isEqualTo(1);
      assertThat(reader.next(into)).isTrue();
      assertThat(into.userId()).isEqualTo(2);
      assertThat(into.seenCount()).isZero();
      assertThat(reader.next(into)).isFalse();
    }
  }

  @Test
  void corruptFilesAreRejectedNamingTheProblem() throws IOException {
    final Path notALog = dir.resolve("other.bin");
    Files.write(notALog, "hello world".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> RequestLog.readAll(notALog)).hasMessageContaining("bad magic");

    final Path file = dir.resolve("log.trq");
    RequestLog.writeAll(file, List.of(new RequestRecord().userId(1).addSeen(5).addSeen(6)));
    final byte[] bytes = Files.readAllBytes(file);
    final Path truncated = dir.resolve("truncated.trq");
    Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 3));
    assertThatThrownBy(() -> RequestLog.readAll(truncated)).hasMessageContaining("record 0 is truncated");

    final byte[] badMarker = bytes.clone();
    badMarker[8] = 0x11;
    final Path marker = dir.resolve("marker.trq");
    Files.write(marker, badMarker);
    assertThatThrownBy(() -> RequestLog.readAll(marker)).hasMessageContaining("record 0 starts with 0x11");
  }

  @Test
  void recordRejectsBadValuesAndKeepsItsState() {
    final RequestRecord rec = new RequestRecord().pageSize(10);
    assertThatThrownBy(() -> rec.pageSize(-1)).hasMessageContaining("page size must be >= 0, got -1");
    assertThatThrownBy(() -> rec.timeoutNanos(-5)).hasMessageContaining("timeout must be >= 0");
    assertThatThrownBy(() -> rec.vector(new float[2], 3)).hasMessageContaining("dimension 3 outside [0, 2]");
    assertThatThrownBy(() -> rec.attribute("", 1f)).hasMessageContaining("attribute name must be non-empty");
    assertThat(rec.pageSize()).isEqualTo(10);
    rec.attribute("x", 1f).attribute("x", 2f);
    assertThat(rec.attributeCount()).isEqualTo(1);
    assertThat(rec.attributeValue(0)).isEqualTo(2f);
  }
}
