package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public signatures of the API packages (index, vectors, filters, the pipeline and its built-in
 * stages, fetching, shadow testing) name no type of a third-party library the user is not meant to
 * depend on (Agrona, HdrHistogram) and no internal Trawl package ({@code dev.trawl.hnsw},
 * {@code dev.trawl.collect}). RoaringBitmap is allowed where a filter takes
 * its input ({@code dev.trawl.filter}, and a stage's restriction that composes one), by decision.
 * Reads the compiled classes, so a new public class is checked without being listed here.
 */
class PublicSignaturesTest {
  private static final List<String> PACKAGES = List.of("dev.trawl.index", "dev.trawl.vector", "dev.trawl.filter",
      "dev.trawl.pipeline", "dev.trawl.pipeline.stages", "dev.trawl.fetch", "dev.trawl.shadow",
      "dev.trawl.shadow.metrics");
  private static final List<String> FORBIDDEN = List.of("org.agrona.", "org.HdrHistogram.",
      "dev.trawl.collect.", "dev.trawl.hnsw.");

  @Test
  void noPublicSignatureNamesAnInternalOrThirdPartyType() throws Exception {
    final List<String> leaks = new ArrayList<>();
    int checked = 0;
    for (String pkg : PACKAGES) {
      for (Class<?> c : classesOf(pkg)) {
        if (!isVisible(c)) {
          continue;
        }
        checked++;
        check(c.getName() + " extends", c.getGenericSuperclass(), leaks);
        for (Type t : c.getGenericInterfaces()) {
          check(c.getName() + " implements", t, leaks);
        }
        for (Field f : c.getDeclaredFields()) {
          if (isVisible(f.getModifiers())) {
            check(c.getName() + "." + f.getName(), f.getGenericType(), leaks);
          }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
          if (isVisible(k.getModifiers())) {
            for (Type t : k.getGenericParameterTypes()) {
              check(c.getName() + ".<init>", t, leaks);
            }
          }
        }
        for (Method m : c.getDeclaredMethods()) {
          if (isVisible(m.getModifiers()) && !m.isSynthetic()) {
            check(c.getName() + "." + m.getName() + " returns", m.getGenericReturnType(), leaks);
            for (Type t : m.getGenericParameterTypes()) {
              check(c.getName() + "." + m.getName(), t, leaks);
            }
          }
        }
      }
    }
    assertThat(checked).as("public classes checked").isGreaterThan(50);
    assertThat(leaks).isEmpty();
  }

  @Test
  void theCheckFindsALeak() {
    final List<String> leaks = new ArrayList<>();
    check("example", org.agrona.collections.LongHashSet.class, leaks);
    check("example", String.class, leaks);
    assertThat(leaks).containsExactly("example: org.agrona.collections.LongHashSet");
  }

  private static void check(String where, Type type, List<String> leaks) {
    if (type == null) {
      return;
    }
    final String name = type.getTypeName();
    for (String forbidden : FORBIDDEN) {
      if (name.contains(forbidden)) {
        leaks.add(where + ": " + name);
        return;
      }
    }
  }

  private static boolean isVisible(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
      if (!isVisible(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static boolean isVisible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static List<Class<?>> classesOf(String pkg) throws IOException, URISyntaxException,
      ClassNotFoundException {
    final Path root = Path.of(dev.trawl.pipeline.Pipeline.class.getProtectionDomain().getCodeSource()
        .getLocation().toURI());
    final Path dir = root.resolve(pkg.replace('.', '/'));
    final List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        final String file = f.getFileName().toString();
        if (file.endsWith(".class") && !file.equals("package-info.class")) {
          out.add(Class.forName(pkg + "." + file.substring(0, file.length() - 6), false,
              PublicSignaturesTest.class.getClassLoader()));
        }
      }
    }
    return out;
  }
}
