package dev.trawl.index;

import static dev.trawl.index.HostileFiles.assertRefused;

import dev.trawl.index.HostileFiles.Base;
import dev.trawl.index.SnapshotFormat.Kind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshot files whose checksums are all correct but whose graph breaks a rule of the format: levels,
 * tombstones, link counts, targets and padding, vectors, ids. Each must be refused with a {@link
 * SnapshotException} naming the section and the rule.
 */
class HostileGraphTest {
  @TempDir Path dir;

  private static Arguments refused(String rule, Base base, Function<SnapshotBytes, byte[]> edit, String... fragments) {
    return Arguments.of(rule, base, edit, fragments);
  }

  /** The first ordinal matching {@code p}. */
  static int first(SnapshotBytes s, IntPredicate p) {
    for (int o = 0; o < s.ordinals(); o++) {
      if (p.test(o)) {
        return o;
      }
    }
    throw new IllegalStateException("the base has no such ordinal");
  }

  static int live(SnapshotBytes s) {
    return first(s, o -> s.level(o) >= 0 && !s.tombstoned(o));
  }

  static int deletedButPublished(SnapshotBytes s) {
    return first(s, o -> s.level(o) >= 0 && s.tombstoned(o));
  }

  static int unpublished(SnapshotBytes s) {
    return first(s, o -> s.level(o) < 0);
  }

  private static int entry(SnapshotBytes s) {
    return s.headerInt(SnapshotFormat.AT_ENTRY_NODE);
  }

  /** A live node other than the entry with at least one link on level 0 and a free slot. */
  private static int linked(SnapshotBytes s) {
    final ByteBuffer links = s.section(Kind.LINKS_LEVEL0);
    return first(s, o -> s.level(o) >= 0 && !s.tombstoned(o) && o != entry(s)
        && links.getInt(s.level0At(o)) >= 1 && links.getInt(s.level0At(o)) < 2 * s.m());
  }

  private static Function<SnapshotBytes, byte[]> level0(Function<SnapshotBytes, Integer> node, int slot, int value) {
    return s -> {
      s.section(Kind.LINKS_LEVEL0).putInt(s.level0At(node.apply(s)) + 4 * slot, value);
      return s.build();
    };
  }

  private static Function<SnapshotBytes, byte[]> vector(Function<SnapshotBytes, Integer> node, int component, float value) {
    return s -> {
      s.section(Kind.VECTORS).putFloat(4 * (node.apply(s) * s.dimension() + component), value);
      return s.build();
    };
  }

  static Stream<Arguments> hostileFiles() {
    return Stream.of(
        refused("a level above 15", Base.GRAPH,
            s -> {
              s.section(Kind.NODE_LEVELS).putInt(4 * live(s), 16);
              return s.build();
            },
            "section NODE_LEVELS: node ", " has impossible level 16"),
        refused("a level below -1", Base.GRAPH,
            s -> {
              s.section(Kind.NODE_LEVELS).putInt(4 * live(s), -2);
              return s.build();
            },
            "has impossible level -2"),
        refused("an unpublished ordinal not tombstoned", Base.GRAPH,
            s -> {
              final int o = unpublished(s);
              final ByteBuffer t = s.section(Kind.TOMBSTONES);
              t.putLong(8 * (o >>> 6), t.getLong(8 * (o >>> 6)) & ~(1L << o));
              return s.headerInt(SnapshotFormat.AT_LIVE, s.headerInt(SnapshotFormat.AT_LIVE) + 1).build();
            },
            "section TOMBSTONES: node ", " is unpublished but not marked deleted"),
        refused("a tombstone bit beyond the last ordinal", Base.GRAPH,
            s -> {
              final ByteBuffer t = s.section(Kind.TOMBSTONES);
              t.putLong(0, t.getLong(0) | 1L << 60);
              return s.build();
            },
            "section TOMBSTONES: bits are set beyond the last ordinal"),
        refused("upper links for fewer levels than NODE_LEVELS gives", Base.GRAPH,
            s -> {
              final int o = first(s, p -> s.level(p) == 1 && p != entry(s));
              s.section(Kind.NODE_LEVELS).putInt(4 * o, 0);
              return s.build();
            },
            "section LINKS_UPPER has 336 bytes, the levels need 320"),
        refused("more links than 2M on level 0", Base.GRAPH,
            s -> {
              s.section(Kind.LINKS_LEVEL0).putInt(s.level0At(live(s)), 2 * s.m() + 1);
              return s.build();
            },
            "section LINKS_LEVEL0: node ", " has 7 links on level 0, at most 6 allowed"),
        refused("a negative link count", Base.GRAPH, level0(HostileGraphTest::live, 0, -1), "has -1 links on level 0"),
        refused("a link to an ordinal beyond N", Base.GRAPH,
            s -> {
              s.section(Kind.LINKS_LEVEL0).putInt(s.level0At(linked(s)) + 4, s.ordinals());
              return s.build();
            },
            "section LINKS_LEVEL0: node ", " links on level 0 to 52, not a node of that level"),
        refused("a link to a negative ordinal", Base.GRAPH, level0(HostileGraphTest::linked, 1, -5), "links on level 0 to -5"),
        refused("a link to an unpublished ordinal", Base.GRAPH,
            s -> {
              s.section(Kind.LINKS_LEVEL0).putInt(s.level0At(linked(s)) + 4, unpublished(s));
              return s.build();
            },
            "not a node of that level"),
        refused("an upper link to a node of a lower level", Base.GRAPH,
            s -> {
              final ByteBuffer upper = s.section(Kind.LINKS_UPPER);
              final int o = first(s, p -> s.level(p) >= 1 && upper.getInt(s.upperAt(p, 1)) >= 1);
              upper.putInt(s.upperAt(o, 1) + 4, first(s, p -> s.level(p) == 0));
              return s.build();
            },
            "section LINKS_UPPER: node ", " links on level 1 to"),
        refused("more links than M on an upper level", Base.GRAPH,
            s -> {
              final int o = first(s, p -> s.level(p) >= 1);
              s.section(Kind.LINKS_UPPER).putInt(s.upperAt(o, 1), s.m() + 1);
              return s.build();
            },
            "section LINKS_UPPER: node ", " has 4 links on level 1, at most 3 allowed"),
        refused("links from an unpublished ordinal", Base.GRAPH,
            s -> {
              final int o = unpublished(s);
              s.section(Kind.LINKS_LEVEL0).putInt(s.level0At(o), 1).putInt(s.level0At(o) + 4, live(s));
              return s.build();
            },
            "has 1 links on level 0, at most 0 allowed"),
        refused("a non-zero slot after the links", Base.GRAPH,
            s -> {
              final int o = linked(s);
              final ByteBuffer links = s.section(Kind.LINKS_LEVEL0);
              links.putInt(s.level0At(o) + 4 * (2 * s.m()), live(s));
              return s.build();
            },
            "section LINKS_LEVEL0: node ", " has a non-zero slot after its"),
        refused("a non-zero slot of an unpublished ordinal", Base.GRAPH,
            s -> {
              s.section(Kind.LINKS_LEVEL0).putInt(s.level0At(unpublished(s)) + 8, 3);
              return s.build();
            },
            "has a non-zero slot after its 0 links on level 0"),
        refused("a NaN component", Base.GRAPH, vector(HostileGraphTest::live, 2, Float.NaN),
            "section VECTORS: the vector of ordinal ", " has a non-finite component NaN at position 2"),
        refused("an infinite component", Base.GRAPH, vector(HostileGraphTest::live, 0, Float.NEGATIVE_INFINITY),
            "has a non-finite component -Infinity at position 0"),
        refused("a NaN component in a deleted node searches still walk through", Base.GRAPH,
            vector(HostileGraphTest::deletedButPublished, 1, Float.NaN), "has a non-finite component NaN"),
        refused("finite components whose distances overflow", Base.GRAPH, vector(HostileGraphTest::live, 1, 1e19f),
            "has a squared norm of ", "(its distances would overflow)"),
        refused("a vector that is not of unit norm under cosine", Base.COSINE,
            s -> {
              final ByteBuffer v = s.section(Kind.VECTORS);
              final int at = 4 * live(s) * s.dimension();
              for (int j = 0; j < s.dimension(); j++) {
                v.putFloat(at + 4 * j, v.getFloat(at + 4 * j) * 1.5f);
              }
              return s.build();
            },
            "section VECTORS: the vector of ordinal ", "not 1 within", "under COSINE"),
        refused("a zero vector under cosine", Base.COSINE,
            s -> {
              final ByteBuffer v = s.section(Kind.VECTORS);
              final int at = 4 * live(s) * s.dimension();
              for (int j = 0; j < s.dimension(); j++) {
                v.putFloat(at + 4 * j, 0f);
              }
              return s.build();
            },
            "has a squared norm of 0.0, not 1"),
        refused("a vector stored for an unpublished ordinal", Base.GRAPH, vector(HostileGraphTest::unpublished, 3, -0f),
            "section VECTORS: ordinal ", " is unpublished but its vector is not zero"),
        refused("one id live at two ordinals", Base.GRAPH,
            s -> {
              final int a = live(s);
              final int b = first(s, o -> o > a && s.level(o) >= 0 && !s.tombstoned(o));
              final ByteBuffer ids = s.section(Kind.IDS);
              ids.putLong(8 * b, ids.getLong(8 * a));
              return s.build();
            },
            "section IDS: id ", " is live at two ordinals"),
        refused("an id for an unpublished ordinal", Base.GRAPH,
            s -> {
              s.section(Kind.IDS).putLong(8 * unpublished(s), 77L);
              return s.build();
            },
            "section IDS: ordinal ", " is unpublished but has id 77 (not 0)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFiles")
  void isRefusedNamingTheRule(String rule, Base base, Function<SnapshotBytes, byte[]> edit, String[] fragments) {
    assertRefused(dir, edit.apply(base.edit()), fragments);
  }
}
