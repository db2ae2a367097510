package dev.trawl.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CandidateColumnsTest {
  private static CandidateColumns rows(int n) {
    final CandidateColumns c = new CandidateColumns(1);
    for (int i = 0; i < n; i++) {
      final int r = c.append(100 + i, i / 10f);
      c.authors[r] = 200 + i;
      c.sources[r] = i % 3;
      c.createdAt[r] = 300 + i;
    }
    return c;
  }

  @Test
  void appendGrowsAndLeavesUnsetColumnsAbsent() {
    final CandidateColumns c = new CandidateColumns(1);
    final int r = c.append(7, 0.5f);
    c.append(8, 0.25f);
    assertThat(c.size).isEqualTo(2);
    assertThat(c.capacity()).isGreaterThanOrEqualTo(2);
    assertThat(c.ids[r]).isEqualTo(7);
    assertThat(c.sourceScores[r]).isEqualTo(0.5f);
    assertThat(c.communities[r]).isEqualTo(CandidateColumns.UNKNOWN);
    assertThat(c.createdAt[r]).isEqualTo(CandidateColumns.UNKNOWN);
    assertThat(c.sources[r]).isZero();
  }

  @Test
  void keepRowsReordersEveryColumnTogether() {
    final CandidateColumns c = rows(5);
    c.keepRows(new int[] {4, 0, 2}, 3);
    assertThat(c.size).isEqualTo(3);
    assertThat(new long[] {c.ids[0], c.ids[1], c.ids[2]}).containsExactly(104, 100, 102);
    assertThat(new long[] {c.authors[0], c.authors[1], c.authors[2]}).containsExactly(204, 200, 202);
    assertThat(new int[] {c.sources[0], c.sources[1], c.sources[2]}).containsExactly(1, 0, 2);
    assertThat(new float[] {c.scores[0], c.scores[1], c.scores[2]}).containsExactly(0.4f, 0f, 0.2f);
  }

  @Test
  void copyFromTakesAPrefixAndAppendRowAndMoveRowCopyWholeRows() {
    final CandidateColumns from = rows(6);
    final CandidateColumns to = new CandidateColumns(1);
    to.copyFrom(from, 4);
    assertThat(to.size).isEqualTo(4);
    assertThat(to.createdAt[3]).isEqualTo(303);
    to.appendRow(from, 5);
    assertThat(to.ids[4]).isEqualTo(105);
    assertThat(to.authors[4]).isEqualTo(205);
    to.moveRow(4, 0);
    assertThat(to.ids[0]).isEqualTo(105);
    assertThat(to.sources[0]).isEqualTo(2);
    assertThatThrownBy(() -> to.copyFrom(from, 7)).hasMessageContaining("cannot copy 7 of 6 rows");
  }
}
