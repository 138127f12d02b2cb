package io.narthex.template;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * How Java values stand for Go values in templates: {@code String} is a Go string, {@code Long} (and the other
 * integral boxes) a Go int, {@code Double} a float64, {@code Boolean} a bool, {@code List} a slice, {@code Map} a map
 * with string keys, a record a struct, {@code null} Go's nil and {@link #NO_VALUE} the invalid value that a missing
 * map key yields ({@code <no value>} when printed).
 */
final class Values {
  private Values() {}

  /** Go's invalid reflect.Value: what a missing key or a field of nil data evaluates to. */
  static final Object NO_VALUE = new Object() {
    @Override
    public String toString() {
      return "<no value>";
    }
  };

  enum BasicKind { INVALID, BOOL, INT, FLOAT, STRING, OTHER }

  static BasicKind basicKind(Object v) {
    return switch (v) {
      case null -> BasicKind.INVALID;
      case Boolean b -> BasicKind.BOOL;
      case Long l -> BasicKind.INT;
      case Integer i -> BasicKind.INT;
      case Short s -> BasicKind.INT;
      case Byte b -> BasicKind.INT;
      case Double d -> BasicKind.FLOAT;
      case Float f -> BasicKind.FLOAT;
      case String s -> BasicKind.STRING;
      case GoNamedString s -> BasicKind.STRING;
      case GoDuration d -> BasicKind.INT;
      default -> v == NO_VALUE ? BasicKind.INVALID : BasicKind.OTHER;
    };
  }

  static boolean isIntegral(Object v) {
    return v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte;
  }

  static long longValue(Object v) {
    return v instanceof GoDuration d ? d.nanos() : ((Number) v).longValue();
  }

  /** Go's isTrue: false for the zero value of the type, nil and empty collections; true otherwise. */
  static boolean isTrue(Object v) {
    return switch (v) {
      case null -> false;
      case Boolean b -> b;
      case String s -> !s.isEmpty();
      case GoNamedString s -> !s.value().isEmpty();
      case Double d -> d != 0;
      case Float f -> f != 0;
      case Number n -> n.longValue() != 0;
      case GoDuration d -> d.nanos() != 0;
      case Collection<?> c -> !c.isEmpty();
      case Map<?, ?> m -> !m.isEmpty();
      case Object[] a -> a.length != 0;
      default -> v != NO_VALUE;
    };
  }

  /** {@code reflect.Type.String} of the Go value {@code v} stands for. */
  static String typeName(Object v) {
    return switch (v) {
      case null -> "<nil>";
      case String s -> "string";
      case Long l -> "int";
      case Integer i -> "int";
      case Short s -> "int16";
      case Byte b -> "uint8";
      case Double d -> "float64";
      case Float f -> "float32";
      case Boolean b -> "bool";
      case GoTyped t -> t.goTypeName();
      // An empty map is taken for a string map, as Prometheus's label maps (see zeroElement).
      case Map<?, ?> m -> "map[string]" + (m.isEmpty() ? "string" : elementTypeName(m.values()));
      case List<?> l -> "[]" + elementTypeName(l);
      default -> v == NO_VALUE ? "<invalid reflect.Value>" : v.getClass().getSimpleName();
    };
  }

  /** The type name after Go's indirect: a pointer's element type ({@code template.sample} for a sample). */
  static String indirectTypeName(Object v) {
    String name = typeName(v);
    return name.startsWith("*") ? name.substring(1) : name;
  }

  private static String elementTypeName(Collection<?> elements) {
    String common = null;
    for (Object e : elements) {
      String name = typeName(e);
      if (common != null && !common.equals(name)) {
        return "interface {}";
      }
      common = name;
    }
    return common == null || common.equals("<nil>") ? "interface {}" : common;
  }

  /**
   * The zero value of a map's element type, for a missing key under {@code missingkey=zero}: Java maps do not carry
   * their element type, so a map whose values are all strings (or an empty one, as Prometheus's label maps) is a
   * {@code map[string]string} and yields {@code ""}; any other yields nil.
   */
  static Object zeroElement(Map<?, ?> map) {
    if (map instanceof GoInterfaceMap) {
      return null;
    }
    for (Object value : map.values()) {
      if (!(value instanceof String)) {
        return null;
      }
    }
    return "";
  }

  /** A record class's components in order, with accessors made callable once (reflection is slow to set up). */
  record Component(String name, String goName, Method accessor) {}

  private static final ClassValue<List<Component>> COMPONENTS = new ClassValue<>() {
    @Override
    protected List<Component> computeValue(Class<?> type) {
      List<Component> components = new ArrayList<>();
      for (RecordComponent c : type.getRecordComponents()) {
        Method accessor = c.getAccessor();
        accessor.setAccessible(true);
        String name = c.getName();
        components.add(new Component(name, Character.toUpperCase(name.charAt(0)) + name.substring(1), accessor));
      }
      return List.copyOf(components);
    }
  };

  static List<Component> components(Record record) {
    return COMPONENTS.get(record.getClass());
  }

  /** The record component that the Go field name stands for ({@code Labels} for {@code labels}), or null. */
  static Component field(Record record, String goName) {
    if (goName.isEmpty() || !Character.isUpperCase(goName.charAt(0))) {
      return null;
    }
    for (Component component : components(record)) {
      if (component.goName().equals(goName) || component.name().equals(goName)) {
        return component;
      }
    }
    return null;
  }

  static Object read(Record record, Component component) {
    try {
      return component.accessor().invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + component.name() + " of " + record.getClass(), e);
    }
  }

  /** The string of a Go string kind (string or a named string type), else null. */
  static String stringOf(Object v) {
    return v instanceof String s ? s : v instanceof GoNamedString n ? n.value() : null;
  }

  /** Length in Go's sense: bytes of a string (UTF-8), elements of a list, entries of a map; -1 if none. */
  static int length(Object v) {
    return switch (v) {
      case String s -> utf8Length(s);
      case GoNamedString s -> utf8Length(s.value());
      case Collection<?> c -> c.size();
      case Map<?, ?> m -> m.size();
      case Object[] a -> a.length;
      case null, default -> -1;
    };
  }

  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
