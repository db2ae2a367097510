package dev.trawl.shadow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict little JSON reader for tests (objects become {@link Map}, arrays {@link List}, numbers
 * {@link Double}, {@code null} a {@link #NULL} marker), and a validator for the subset of JSON Schema
 * the report schema uses: {@code type}, {@code required}, {@code properties}, {@code items},
 * {@code enum}, {@code const}; keys an object schema does not list are reported as undocumented.
 */
final class MiniJson {
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  private final String s;
  private int i;

  private MiniJson(String s) {
    this.s = s;
  }

  static Object parse(String text) {
    final MiniJson p = new MiniJson(text);
    final Object v = p.value();
    p.ws();
    if (p.i != text.length()) {
      throw new IllegalArgumentException("trailing text at " + p.i);
    }
    return v;
  }

  private Object value() {
    ws();
    final char c = s.charAt(i);
    if (c == '{') {
      final Map<String, Object> m = new LinkedHashMap<>();
      i++;
      ws();
      if (s.charAt(i) == '}') {
        i++;
        return m;
      }
      while (true) {
        ws();
        final String k = string();
        ws();
        expect(':');
        if (m.put(k, value()) != null) {
          throw new IllegalArgumentException("duplicate key " + k);
        }
        ws();
        if (s.charAt(i) == ',') {
          i++;
        } else {
          expect('}');
          return m;
        }
      }
    }
    if (c == '[') {
      final List<Object> l = new ArrayList<>();
      i++;
      ws();
      if (s.charAt(i) == ']') {
        i++;
        return l;
      }
      while (true) {
        l.add(value());
        ws();
        if (s.charAt(i) == ',') {
          i++;
        } else {
          expect(']');
          return l;
        }
      }
    }
    if (c == '"') {
      return string();
    }
    for (String word : new String[] {"true", "false", "null"}) {
      if (s.startsWith(word, i)) {
        i += word.length();
        return word.equals("null") ? NULL : Boolean.valueOf(word);
      }
    }
    final int start = i;
    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    if (start == i) {
      throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
    }
    return Double.valueOf(s.substring(start, i));
  }

  private String string() {
    expect('"');
    final StringBuilder sb = new StringBuilder();
    while (s.charAt(i) != '"') {
      char c = s.charAt(i++);
      if (c == '\\') {
        c = s.charAt(i++);
        switch (c) {
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case 'r' -> sb.append('\r');
          case 'u' -> {
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> sb.append(c);
        }
      } else {
        sb.append(c);
      }
    }
    i++;
    return sb.toString();
  }

  private void expect(char c) {
    if (s.charAt(i) != c) {
      throw new IllegalArgumentException("expected '" + c + "' at " + i + ", got '" + s.charAt(i) + "'");
    }
    i++;
  }

  private void ws() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
  }

  /** Every violation of {@code schema} by {@code value}, as "path: problem" lines. */
  @SuppressWarnings("unchecked")
  static List<String> validate(Object value, Map<String, Object> schema, String path) {
    final List<String> errors = new ArrayList<>();
    final Object type = schema.get("type");
    if (type != null) {
      final List<Object> types = type instanceof List ? (List<Object>) type : List.of(type);
      if (types.stream().noneMatch(t -> hasType(value, (String) t))) {
        errors.add(path + ": " + value + " is not of type " + types);
        return errors;
      }
    }
    if (schema.containsKey("const") && !schema.get("const").equals(value)) {
      errors.add(path + ": " + value + " is not " + schema.get("const"));
    }
    if (schema.containsKey("enum") && !((List<Object>) schema.get("enum")).contains(value)) {
      errors.add(path + ": " + value + " is not one of " + schema.get("enum"));
    }
    if (value instanceof Map<?, ?> object) {
      final Map<String, Object> props = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
      for (Object key : (List<Object>) schema.getOrDefault("required", List.of())) {
        if (!object.containsKey(key)) {
          errors.add(path + ": missing " + key);
        }
      }
      for (Map.Entry<?, ?> e : object.entrySet()) {
        final Object sub = props.get(e.getKey());
        if (sub == null) {
          errors.add(path + ": undocumented field " + e.getKey());
        } else {
          errors.addAll(validate(e.getValue(), (Map<String, Object>) sub, path + "." + e.getKey()));
        }
      }
    }
    if (value instanceof List<?> list && schema.containsKey("items")) {
      for (int k = 0; k < list.size(); k++) {
        errors.addAll(validate(list.get(k), (Map<String, Object>) schema.get("items"), path + "[" + k + "]"));
      }
    }
    return errors;
  }

  private static boolean hasType(Object v, String type) {
    return switch (type) {
      case "object" -> v instanceof Map;
      case "array" -> v instanceof List;
      case "string" -> v instanceof String;
      case "boolean" -> v instanceof Boolean;
      case "null" -> v == NULL;
      case "number" -> v instanceof Double;
      case "integer" -> v instanceof Double d && d == Math.rint(d);
      default -> throw new IllegalArgumentException("schema type " + type + " not supported here");
    };
  }
}
