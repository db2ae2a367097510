package dev.trawl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorFileTest {
  @TempDir Path dir;

  private final float[][] rows = TestFiles.integerVectors(37, 5, 11);

  @Test
  void everyFormatReadsTheSameVectors() throws IOException {
    final Path[] files = {
      TestFiles.fvecs(dir.resolve("v.fvecs"), rows),
      TestFiles.bvecs(dir.resolve("v.bvecs"), rows),
      TestFiles.npy(dir.resolve("v.npy"), rows),
      TestFiles.csv(dir.resolve("v.csv"), rows, false),
      TestFiles.csv(dir.resolve("h.csv"), rows, true),
    };
    for (Path file : files) {
      final VectorFile vf = VectorFile.open(file);
      assertThat(vf.count()).as(file.toString()).isEqualTo(rows.length);
      assertThat(vf.dimension()).as(file.toString()).isEqualTo(5);
      assertThat(vf.readAll()).as(file.toString()).isDeepEqualTo(rows);
    }
  }

  @Test
  void filesMappedInManySegmentsReadTheSameRows() throws IOException {
    final Path[] files = {
      TestFiles.fvecs(dir.resolve("s.fvecs"), rows),
      TestFiles.bvecs(dir.resolve("s.bvecs"), rows),
      TestFiles.npy(dir.resolve("s.npy"), rows),
    };
    for (Path file : files) {
      // 50-byte segments hold two fvecs rows, five bvecs rows, two npy rows: 37 rows span many
      assertThat(VectorFile.open(file, 50).readAll()).as(file.toString()).isDeepEqualTo(rows);
    }
  }

  @Test
  void npyVersionTwoHeaderIsRead() throws IOException {
    final Path v1 = TestFiles.npy(dir.resolve("v1.npy"), rows);
    final byte[] b = Files.readAllBytes(v1);
    final int headerLength = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
    final byte[] v2 = new byte[b.length + 2];
    System.arraycopy(b, 0, v2, 0, 8);
    v2[6] = 2;
    v2[8] = (byte) headerLength;
    v2[9] = (byte) (headerLength >>> 8);
    System.arraycopy(b, 10, v2, 12, b.length - 10);
    final Path file = Files.write(dir.resolve("v2.npy"), v2);
    assertThat(VectorFile.open(file).readAll()).isDeepEqualTo(rows);
  }

  @Test
  void truncatedFvecsNamesTheRowSize() throws IOException {
    final Path file = TestFiles.fvecs(dir.resolve("t.fvecs"), rows);
    final byte[] b = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(b, b.length - 3));
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("t.fvecs")
        .hasMessageContaining("not a whole number of 24-byte rows")
        .hasMessageContaining("truncated");
  }

  @Test
  void rowWithAnotherDimensionIsNamed() throws IOException {
    final Path file = TestFiles.fvecs(dir.resolve("m.fvecs"), rows);
    final byte[] b = Files.readAllBytes(file);
    b[3 * 24] = 4; // row 3 declares dimension 4 (the file still has a whole number of rows)
    Files.write(file, b);
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("row 3 declares dimension 4, but the first row has 5");
  }

  @Test
  void bvecsWithNonsenseDimensionIsRejected() throws IOException {
    final Path file = Files.write(dir.resolve("x.bvecs"), new byte[] {-1, -1, -1, -1, 0, 0, 0, 0});
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("first row declares dimension -1");
  }

  @Test
  void npyOfFloat64IsRejectedWithAdvice() throws IOException {
    final Path file = TestFiles.npy(dir.resolve("d.npy"), rows, "<f8", false);
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("dtype '<f8' is not supported")
        .hasMessageContaining("float32");
  }

  @Test
  void npyInFortranOrderIsRejected() throws IOException {
    final Path file = TestFiles.npy(dir.resolve("f.npy"), rows, "<f4", true);
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("Fortran-ordered");
  }

  @Test
  void npyThatIsNotTwoDimensionalIsRejected() throws IOException {
    final Path file =
        TestFiles.npyRaw(
            dir.resolve("o.npy"),
            rows,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (185,), }");
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("expected 2-D");
  }

  @Test
  void npyShorterThanItsShapeIsRejected() throws IOException {
    final Path file = TestFiles.npy(dir.resolve("s.npy"), rows);
    final byte[] b = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(b, b.length - 4));
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("does not match shape (37, 5)");
  }

  @Test
  void fileWithoutNpyMagicIsRejected() throws IOException {
    final Path file = Files.writeString(dir.resolve("n.npy"), "just some text, not numpy");
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("bad magic");
  }

  @Test
  void csvWithAWordInTheDataNamesLineAndColumn() throws IOException {
    final Path file = Files.writeString(dir.resolve("w.csv"), "1,2,3\n4,five,6\n");
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("line 2: 'five' is not a number (column 2)");
  }

  @Test
  void raggedCsvNamesTheLine() throws IOException {
    final Path file = Files.writeString(dir.resolve("r.csv"), "1,2,3\n\n4,5\n");
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("line 3: 2 values, but earlier rows have 3");
  }

  @Test
  void csvWithOnlyAHeaderHasNoRows() throws IOException {
    final Path file = Files.writeString(dir.resolve("e.csv"), "a,b,c\n");
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("no rows of numbers");
  }

  @Test
  void unknownExtensionListsTheAcceptedOnes() throws IOException {
    final Path file = Files.writeString(dir.resolve("v.txt"), "1,2\n");
    assertThatThrownBy(() -> VectorFile.open(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining(".fvecs, .bvecs, .npy or .csv");
  }

  @Test
  void missingAndEmptyFilesAreNamed() throws IOException {
    assertThatThrownBy(() -> VectorFile.open(dir.resolve("absent.fvecs")))
        .isInstanceOf(CliError.class)
        .hasMessageEndingWith("absent.fvecs: no such file");
    final Path empty = Files.write(dir.resolve("empty.fvecs"), new byte[0]);
    assertThatThrownBy(() -> VectorFile.open(empty))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("file is empty");
  }

  @Test
  void truthFileThatIsRaggedIsRejected() throws IOException {
    final Path file = TestFiles.ivecs(dir.resolve("t.ivecs"), new int[][] {{1, 2}, {3, 4}});
    final byte[] b = Files.readAllBytes(file);
    b[12] = 1; // second row claims one id
    Files.write(file, b);
    assertThatThrownBy(() -> InputFiles.readIvecs(file))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("row 1 has 1 ids, but the first row has 2");
  }

  @Test
  void idFilesMustHaveOneDistinctIntegerPerVector() throws IOException {
    assertThat(InputFiles.readIds(Files.writeString(dir.resolve("ok.txt"), "7\n\n-3\n9\n"), 3))
        .containsExactly(7, -3, 9);
    assertThatThrownBy(
            () -> InputFiles.readIds(Files.writeString(dir.resolve("dup.txt"), "7\n7\n"), 2))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("line 2: id 7 appears twice");
    assertThatThrownBy(
            () -> InputFiles.readIds(Files.writeString(dir.resolve("few.txt"), "7\n"), 2))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("1 ids, but there are 2 vectors");
    assertThatThrownBy(
            () -> InputFiles.readIds(Files.writeString(dir.resolve("bad.txt"), "7\nx\n"), 2))
        .isInstanceOf(CliError.class)
        .hasMessageContaining("line 2: 'x' is not an integer id");
  }
}
