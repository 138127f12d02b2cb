package io.narthex.template;

import io.narthex.template.FunctionMap.Function;
import io.narthex.template.Values.BasicKind;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Go's predefined template functions (text/template funcs.go): {@code and or not len index slice print printf
 * println eq ne lt le gt ge html js urlquery call}, with Go's errors ({@code incompatible types for comparison},
 * {@code index out of range: 5}, ...).
 */
final class Builtins {
  private Builtins() {}

  /** A parameter Go declares as reflect.Value: any value, passed as it is. */
  static final ArgType VALUE = new ArgType("reflect.Value", Object.class);

  private static final Function AND = new Function("and", List.of(VALUE), VALUE, args -> null);
  private static final Function OR = new Function("or", List.of(VALUE), VALUE, args -> null);
  private static final Map<String, Function> BUILTINS = new HashMap<>();

  static {
    add(AND);
    add(OR);
    add(new Function("not", List.of(VALUE), null, args -> !Values.isTrue(args.get(0))));
    add(new Function("len", List.of(VALUE), null, args -> len(args.get(0))));
    add(new Function("index", List.of(VALUE), VALUE, args -> index(args.get(0), args.subList(1, args.size()))));
    add(new Function("slice", List.of(VALUE), VALUE, args -> slice(args.get(0), args.subList(1, args.size()))));
    add(new Function("print", List.of(), ArgType.ANY, GoFmt::sprint));
    add(new Function("println", List.of(), ArgType.ANY, GoFmt::sprintln));
    add(new Function("printf", List.of(ArgType.STRING), ArgType.ANY,
        args -> GoFmt.sprintf((String) args.get(0), args.subList(1, args.size()))));
    add(new Function("html", List.of(), ArgType.ANY, args -> GoStrings.htmlEscape(evalArgs(args))));
    add(new Function("js", List.of(), ArgType.ANY, args -> GoStrings.jsEscape(evalArgs(args))));
    add(new Function("urlquery", List.of(), ArgType.ANY, args -> GoUrl.queryEscape(evalArgs(args))));
    add(new Function("eq", List.of(VALUE), VALUE, args -> eq(args.get(0), args.subList(1, args.size()))));
    add(new Function("ne", List.of(VALUE, VALUE), null, args -> !eq(args.get(0), java.util.Collections.singletonList(args.get(1)))));
    add(new Function("lt", List.of(VALUE, VALUE), null, args -> lt(args.get(0), args.get(1))));
    add(new Function("le", List.of(VALUE, VALUE), null, args -> le(args.get(0), args.get(1))));
    add(new Function("gt", List.of(VALUE, VALUE), null, args -> !le(args.get(0), args.get(1))));
    add(new Function("ge", List.of(VALUE, VALUE), null, args -> !lt(args.get(0), args.get(1))));
    add(new Function("call", List.of(VALUE), VALUE, args -> call(args.get(0), args.subList(1, args.size()))));
  }

  private static void add(Function function) {
    BUILTINS.put(function.name(), function);
  }

  static boolean isBuiltin(String name) {
    return BUILTINS.containsKey(name);
  }

  static Function lookup(String name) {
    return BUILTINS.get(name);
  }

  static boolean isShortCircuit(Function function) {
    return function == AND || function == OR;
  }

  private static boolean valid(Object v) {
    return v != null && v != Values.NO_VALUE;
  }

  private static String evalArgs(List<Object> args) {
    if (args.size() == 1 && args.get(0) instanceof String s) {
      return s;
    }
    return GoFmt.sprintPrintable(args);
  }

  private static long len(Object item) throws Exception {
    if (!valid(item)) {
      // What Go's len panics with on the invalid value (nil), as promtool shows it.
      throw new Exception("reflect: call of reflect.Value.Type on zero Value");
    }
    int length = Values.length(item);
    if (length < 0) {
      throw new Exception("len of type " + Values.indirectTypeName(item));
    }
    return length;
  }

  private static Object index(Object item, List<Object> indexes) throws Exception {
    if (!valid(item)) {
      throw new Exception("index of untyped nil");
    }
    for (Object index : indexes) {
      if (item == null) {
        throw new Exception("index of nil pointer");
      }
      switch (item) {
        case List<?> list -> {
          int x = indexArg(index, list.size());
          if (x == list.size()) {
            throw new Exception("reflect: slice index out of range");
          }
          item = list.get(x);
        }
        case GoNamedString named -> item = indexString(named.value(), index);
        case String s -> item = indexString(s, index);
        case Map<?, ?> map -> {
          if (!valid(index)) {
            throw new Exception("value is nil; should be of type string");
          }
          if (!(index instanceof String key)) {
            throw new Exception("value has type " + Values.typeName(index) + "; should be string");
          }
          item = map.containsKey(key) ? map.get(key) : Values.zeroElement(map);
        }
        default -> throw new Exception("can't index item of type " + Values.indirectTypeName(item));
      }
    }
    return item;
  }

  private static Object indexString(String s, Object index) throws Exception {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int x = indexArg(index, bytes.length);
    if (x == bytes.length) {
      throw new Exception("reflect: string index out of range");
    }
    return bytes[x];
  }

  private static int indexArg(Object index, int cap) throws Exception {
    if (!valid(index)) {
      throw new Exception("cannot index slice/array with nil");
    }
    if (!Values.isIntegral(index)) {
      throw new Exception("cannot index slice/array with type " + Values.typeName(index));
    }
    long x = ((Number) index).longValue();
    if (x < 0 || x > cap) {
      throw new Exception("index out of range: " + x);
    }
    return (int) x;
  }

  private static Object slice(Object item, List<Object> indexes) throws Exception {
    if (!valid(item)) {
      throw new Exception("slice of untyped nil");
    }
    if (indexes.size() > 3) {
      throw new Exception("too many slice indexes: " + indexes.size());
    }
    byte[] bytes = null;
    int length;
    String string = Values.stringOf(item);
    switch (item) {
      case String s -> length = -1;
      case GoNamedString s -> length = -1;
      case List<?> list -> length = list.size();
      default -> throw new Exception("can't slice item of type " + Values.typeName(item));
    }
    if (string != null) {
      if (indexes.size() == 3) {
        throw new Exception("cannot 3-index slice a string");
      }
      bytes = string.getBytes(StandardCharsets.UTF_8);
      length = bytes.length;
    }
    int[] idx = {0, length, length};
    for (int i = 0; i < indexes.size(); i++) {
      idx[i] = indexArg(indexes.get(i), length);
    }
    if (idx[0] > idx[1]) {
      throw new Exception("invalid slice index: " + idx[0] + " > " + idx[1]);
    }
    if (indexes.size() == 3 && idx[1] > idx[2]) {
      throw new Exception("invalid slice index: " + idx[1] + " > " + idx[2]);
    }
    if (bytes != null) {
      String sliced = new String(bytes, idx[0], idx[1] - idx[0], StandardCharsets.UTF_8);
      return item instanceof GoNamedString named ? new GoNamedString(named.goTypeName(), sliced) : sliced;
    }
    return List.copyOf(((List<?>) item).subList(idx[0], idx[1]));
  }

  private static boolean eq(Object a, List<Object> others) throws Exception {
    if (others.isEmpty()) {
      throw new Exception("missing argument for comparison");
    }
    BasicKind k1 = Values.basicKind(a);
    for (Object b : others) {
      BasicKind k2 = Values.basicKind(b);
      boolean truth;
      if (k1 != k2) {
        if (valid(a) && valid(b)) {
          throw new Exception("incompatible types for comparison");
        }
        truth = false;
      } else {
        truth = switch (k1) {
          case BOOL -> a.equals(b);
          case STRING -> Values.stringOf(a).equals(Values.stringOf(b));
          case INT -> Values.longValue(a) == Values.longValue(b);
          case FLOAT -> ((Number) a).doubleValue() == ((Number) b).doubleValue();
          case INVALID -> true;
          case OTHER -> {
            // Go's canCompare: values of the same reflect kind; then slices and maps are not comparable.
            if (!reflectKind(a).equals(reflectKind(b))) {
              throw new Exception("non-comparable types " + GoFmt.sprintf("%s", List.of(a)) + ": "
                  + Values.typeName(a) + ", " + Values.typeName(b) + ": " + GoFmt.formatValue(b));
            }
            if (b instanceof List || b instanceof Map) {
              throw new Exception("non-comparable type " + GoFmt.sprintf("%s", List.of(b)) + ": " + Values.typeName(b));
            }
            // Go compares pointers by address and structs by value.
            yield b instanceof GoTyped t && t.goPointer() ? a == b : Objects.equals(a, b);
          }
        };
      }
      if (truth) {
        return true;
      }
    }
    return false;
  }

  private static String reflectKind(Object v) {
    return switch (v) {
      case List<?> l -> "slice";
      case Map<?, ?> m -> "map";
      case GoTyped t when t.goPointer() -> "ptr";
      default -> "struct";
    };
  }

  private static boolean lt(Object a, Object b) throws Exception {
    BasicKind k1 = Values.basicKind(a);
    BasicKind k2 = Values.basicKind(b);
    if (k1 == BasicKind.INVALID || k1 == BasicKind.OTHER || k2 == BasicKind.INVALID || k2 == BasicKind.OTHER) {
      throw new Exception("invalid type for comparison");
    }
    if (k1 != k2) {
      throw new Exception("incompatible types for comparison");
    }
    return switch (k1) {
      case FLOAT -> ((Number) a).doubleValue() < ((Number) b).doubleValue();
      case INT -> Values.longValue(a) < Values.longValue(b);
      case STRING -> Values.stringOf(a).compareTo(Values.stringOf(b)) < 0;
      default -> throw new Exception("invalid type for comparison");
    };
  }

  private static boolean le(Object a, Object b) throws Exception {
    return lt(a, b) || eq(a, java.util.Collections.singletonList(b));
  }

  private static Object call(Object fn, List<Object> args) throws Exception {
    if (fn == null || fn == Values.NO_VALUE) {
      throw new Exception("call of nil");
    }
    if (!(fn instanceof TemplateFunction function)) {
      throw new Exception("non-function of type " + Values.typeName(fn));
    }
    return function.call(args);
  }
}
