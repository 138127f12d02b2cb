package io.narthex.template;

import io.narthex.common.GoFloat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Go's {@code fmt} for the values templates hold: {@code Sprint}, {@code Sprintln} and {@code Sprintf} with the
 * verbs {@code %v %s %q %d %b %o %x %X %c %U %e %E %f %F %g %G %t %%}, width, precision (also {@code *}), explicit
 * argument indexes ({@code %[1]d}) and the flags {@code + - # 0} and space. Floats are rounded as Go's strconv rounds
 * them (the exact binary value, half to even), and written shortest-first for {@code %v} and {@code %g}
 * ({@link GoFloat}). Wrong verbs and argument counts are written as Go writes them: {@code %!d(string=x)},
 * {@code %!d(MISSING)}, {@code %!(EXTRA int=1)}.
 */
final class GoFmt {
  private GoFmt() {}

  /**
   * What the {@code html}, {@code js} and {@code urlquery} builtins print: {@link #sprint} of the operands as a
   * template prints them (pointers to structs dereferenced, nil as {@code <no value>}).
   */
  static String sprintPrintable(List<?> args) {
    StringBuilder out = new StringBuilder();
    boolean previousString = false;
    for (int i = 0; i < args.size(); i++) {
      Object arg = args.get(i);
      boolean isString = arg instanceof String || arg == null;
      if (i > 0 && !isString && !previousString) {
        out.append(' ');
      }
      out.append(arg == null ? "<no value>" : formatDereferenced(arg));
      previousString = isString;
    }
    return out.toString();
  }

  /** {@code fmt.Sprint}: operands in their default format, a space between two that are not strings. */
  static String sprint(List<?> args) {
    StringBuilder out = new StringBuilder();
    boolean previousString = false;
    for (int i = 0; i < args.size(); i++) {
      Object arg = args.get(i);
      boolean isString = arg instanceof String;
      if (i > 0 && !isString && !previousString) {
        out.append(' ');
      }
      out.append(formatValue(arg));
      previousString = isString;
    }
    return out.toString();
  }

  /** {@code fmt.Sprintln}: operands in their default format, spaces between all, a newline at the end. */
  static String sprintln(List<?> args) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < args.size(); i++) {
      if (i > 0) {
        out.append(' ');
      }
      out.append(formatValue(args.get(i)));
    }
    return out.append('\n').toString();
  }

  /** {@code fmt.Sprint(v)}: the default format ({@code %v}). */
  static String formatValue(Object v) {
    Spec spec = new Spec();
    StringBuilder out = new StringBuilder();
    printArg(out, v, 'v', spec, 0);
    return out.toString();
  }

  /**
   * A template's {@code {{.}}} of a value: as {@link #formatValue}, but a pointer to a struct is written without the
   * {@code &} (text/template dereferences it before printing).
   */
  static String formatDereferenced(Object v) {
    StringBuilder out = new StringBuilder();
    printArg(out, v, 'v', new Spec(), 1);
    return out.toString();
  }

  /** Width, precision and flags of one verb. */
  private static final class Spec {
    boolean plus;
    boolean minus;
    boolean sharp;
    boolean space;
    boolean zero;
    boolean plusV;
    boolean sharpV;
    int width;
    boolean widthPresent;
    int precision;
    boolean precisionPresent;

    void clear() {
      plus = minus = sharp = space = zero = plusV = sharpV = widthPresent = precisionPresent = false;
      width = precision = 0;
    }
  }

  /** {@code fmt.Sprintf}. */
  static String sprintf(String format, List<?> values) {
    StringBuilder out = new StringBuilder(format.length() + 16);
    Spec spec = new Spec();
    Operands args = new Operands(values);
    int end = format.length();
    int i = 0;
    while (i < end) {
      int last = i;
      while (i < end && format.charAt(i) != '%') {
        i++;
      }
      if (i > last) {
        out.append(format, last, i);
      }
      if (i >= end) {
        break;
      }
      i++;
      spec.clear();
      flags:
      for (; i < end; i++) {
        switch (format.charAt(i)) {
          case '#' -> spec.sharp = true;
          case '0' -> spec.zero = !spec.minus;
          case '+' -> spec.plus = true;
          case '-' -> {
            spec.minus = true;
            spec.zero = false;
          }
          case ' ' -> spec.space = true;
          default -> {
            break flags;
          }
        }
      }
      args.goodArgNum = true;
      // An explicit argument index may come before the width, the precision and the verb.
      int afterIndexAt = args.index(format, i);
      boolean afterIndex = afterIndexAt != i;
      i = afterIndexAt;
      if (i < end && format.charAt(i) == '*') {
        i++;
        Integer w = args.nextInt();
        if (w == null) {
          out.append("%!(BADWIDTH)");
        } else {
          spec.widthPresent = true;
          spec.width = w;
          if (w < 0) {
            spec.width = -w;
            spec.minus = true;
            spec.zero = false;
          }
        }
        afterIndex = false;
      } else {
        int start = i;
        while (i < end && Character.isDigit(format.charAt(i))) {
          i++;
        }
        if (i > start) {
          spec.widthPresent = true;
          spec.width = parseNum(format, start, i);
          if (afterIndex) {
            args.goodArgNum = false;
          }
        }
      }
      if (i < end && format.charAt(i) == '.') {
        i++;
        if (afterIndex) {
          args.goodArgNum = false;
        }
        afterIndexAt = args.index(format, i);
        afterIndex = afterIndexAt != i;
        i = afterIndexAt;
        if (i < end && format.charAt(i) == '*') {
          i++;
          Integer p = args.nextInt();
          spec.precision = p == null ? 0 : p;
          spec.precisionPresent = p != null && p >= 0;
          if (p != null && p < 0) {
            spec.precision = 0;
          }
          if (p == null) {
            out.append("%!(BADPREC)");
          }
          afterIndex = false;
        } else {
          int start = i;
          while (i < end && Character.isDigit(format.charAt(i))) {
            i++;
          }
          spec.precision = i > start ? parseNum(format, start, i) : 0;
          spec.precisionPresent = true;
        }
      }
      if (!afterIndex) {
        i = args.index(format, i);
      }
      if (i >= end) {
        out.append("%!(NOVERB)");
        break;
      }
      int verb = format.codePointAt(i);
      i += Character.charCount(verb);
      if (verb == '%') {
        out.append('%');
      } else if (!args.goodArgNum) {
        out.append("%!").appendCodePoint(verb).append("(BADINDEX)");
      } else if (args.argNum >= args.values.size()) {
        out.append("%!").appendCodePoint(verb).append("(MISSING)");
      } else {
        if (verb == 'v') {
          spec.sharpV = spec.sharp;
          spec.sharp = false;
          spec.plusV = spec.plus;
          spec.plus = false;
        }
        printArg(out, args.values.get(args.argNum), verb, spec, 0);
        args.argNum++;
      }
    }
    if (!args.reordered && args.argNum < args.values.size()) {
      spec.clear();
      out.append("%!(EXTRA ");
      for (int a = args.argNum; a < args.values.size(); a++) {
        if (a > args.argNum) {
          out.append(", ");
        }
        Object arg = args.values.get(a);
        if (arg == null) {
          out.append("<nil>");
        } else {
          out.append(Values.typeName(arg)).append('=');
          printArg(out, arg, 'v', spec, 0);
        }
      }
      out.append(')');
    }
    return out.toString();
  }

  private static int parseNum(String format, int start, int end) {
    // Go gives up on absurd widths (tooLarge); cap so padding cannot exhaust memory.
    if (end - start > 6) {
      return 1_000_000;
    }
    return Math.min(Integer.parseInt(format.substring(start, end)), 1_000_000);
  }

  /** Printf's operands and which one the next verb takes. */
  private static final class Operands {
    final List<?> values;
    int argNum;
    boolean goodArgNum = true;
    boolean reordered;

    Operands(List<?> values) {
      this.values = values;
    }

    /** Reads an explicit index {@code [n]} at i, if there is one; returns the offset after it (i if none). */
    int index(String format, int i) {
      if (i >= format.length() || format.charAt(i) != '[') {
        return i;
      }
      reordered = true;
      int close = format.indexOf(']', i + 1);
      if (close < 0) {
        goodArgNum = false;
        return format.length();
      }
      try {
        int n = Integer.parseInt(format.substring(i + 1, close));
        if (n < 1 || n > values.size()) {
          goodArgNum = false;
        } else {
          argNum = n - 1;
        }
      } catch (NumberFormatException e) {
        goodArgNum = false;
      }
      return close + 1;
    }

    /** The operand for a {@code *} width or precision, consumed; null if it is missing or not an int. */
    Integer nextInt() {
      if (argNum >= values.size()) {
        return null;
      }
      Object a = values.get(argNum++);
      if (Values.isIntegral(a)) {
        long v = ((Number) a).longValue();
        return v > 1_000_000 || v < -1_000_000 ? null : (int) v;
      }
      return null;
    }
  }

  private static void printArg(StringBuilder out, Object arg, int verb, Spec spec, int depth) {
    if (arg == null) {
      if (verb == 'T' || verb == 'v') {
        pad(out, "<nil>", spec);
      } else {
        badVerb(out, null, verb, spec, depth);
      }
      return;
    }
    if (verb == 'T') {
      pad(out, Values.typeName(arg), spec);
      return;
    }
    switch (arg) {
      case Boolean b -> {
        if (verb == 't' || verb == 'v') {
          pad(out, b.toString(), spec);
        } else {
          badVerb(out, arg, verb, spec, depth);
        }
      }
      case GoStringer s when !spec.sharpV && (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x'
          || verb == 'X') -> formatString(out, s.goString(), verb, spec, arg, depth);
      case GoDuration d -> formatInteger(out, d.nanos(), verb, spec, arg, depth);
      case Long l -> formatInteger(out, l, verb, spec, arg, depth);
      case Integer n -> formatInteger(out, n, verb, spec, arg, depth);
      case Short n -> formatInteger(out, n, verb, spec, arg, depth);
      case Byte n -> formatInteger(out, n & 0xff, verb, spec, arg, depth);
      case Double d -> formatFloat(out, d, verb, spec, arg, depth);
      case Float f -> formatFloat(out, f.doubleValue(), verb, spec, arg, depth);
      case String s -> formatString(out, s, verb, spec, arg, depth);
      case GoNamedString s -> formatString(out, s.value(), verb, spec, arg, depth);
      case Map<?, ?> m -> {
        if (spec.sharpV) {
          out.append(Values.typeName(m)).append('{');
        } else {
          out.append("map[");
        }
        boolean first = true;
        for (Map.Entry<?, ?> e : sorted(m).entrySet()) {
          if (!first) {
            out.append(spec.sharpV ? ", " : " ");
          }
          first = false;
          printArg(out, e.getKey(), verb, spec, depth + 1);
          out.append(':');
          printArg(out, e.getValue(), verb, spec, depth + 1);
        }
        out.append(spec.sharpV ? '}' : ']');
      }
      case List<?> l -> {
        out.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) {
            out.append(' ');
          }
          printArg(out, l.get(i), verb, spec, depth + 1);
        }
        out.append(']');
      }
      case Record r -> {
        if (r instanceof GoTyped t && t.goPointer() && depth == 0) {
          out.append('&');
        }
        out.append('{');
        List<Values.Component> components = Values.components(r);
        for (int i = 0; i < components.size(); i++) {
          if (i > 0) {
            out.append(' ');
          }
          if (spec.plusV) {
            out.append(components.get(i).goName()).append(':');
          }
          printArg(out, Values.read(r, components.get(i)), verb, spec, depth + 1);
        }
        out.append('}');
      }
      default -> {
        if (arg == Values.NO_VALUE) {
          pad(out, "<invalid reflect.Value>", spec);
        } else {
          formatString(out, arg.toString(), verb, spec, arg, depth);
        }
      }
    }
  }

  private static TreeMap<String, Object> sorted(Map<?, ?> m) {
    TreeMap<String, Object> sorted = new TreeMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      sorted.put(String.valueOf(e.getKey()), e.getValue());
    }
    return sorted;
  }

  private static void badVerb(StringBuilder out, Object arg, int verb, Spec spec, int depth) {
    out.append("%!").appendCodePoint(verb).append('(');
    if (arg == null) {
      out.append("<nil>");
    } else {
      out.append(Values.typeName(arg)).append('=');
      printArg(out, arg, 'v', spec, depth);
    }
    out.append(')');
  }

  private static void formatString(StringBuilder out, String s, int verb, Spec spec, Object arg, int depth) {
    switch (verb) {
      case 'v' -> {
        if (spec.sharpV) {
          pad(out, GoStrings.quote(s), spec);
        } else {
          pad(out, truncate(s, spec), spec);
        }
      }
      case 's' -> pad(out, truncate(s, spec), spec);
      case 'q' -> {
        String t = truncate(s, spec);
        if (spec.sharp && canBackquote(t)) {
          pad(out, "`" + t + "`", spec);
        } else {
          pad(out, spec.plus ? GoStrings.quoteToAscii(t) : GoStrings.quote(t), spec);
        }
      }
      case 'x', 'X' -> {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // For %x the precision counts input bytes, not runes.
        if (spec.precisionPresent && spec.precision < bytes.length) {
          bytes = java.util.Arrays.copyOf(bytes, spec.precision);
        }
        String digits = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
        StringBuilder hex = new StringBuilder(bytes.length * 2);
        for (int i = 0; i < bytes.length; i++) {
          if (spec.space && i > 0) {
            hex.append(' ');
          }
          if (spec.sharp && (spec.space || i == 0)) {
            hex.append(verb == 'x' ? "0x" : "0X");
          }
          hex.append(digits.charAt((bytes[i] >> 4) & 15)).append(digits.charAt(bytes[i] & 15));
        }
        pad(out, hex.toString(), spec);
      }
      default -> badVerb(out, arg, verb, spec, depth);
    }
  }

  private static boolean canBackquote(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '`' || c == '\uFEFF' || (c < ' ' && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static String truncate(String s, Spec spec) {
    if (spec.precisionPresent && s.codePointCount(0, s.length()) > spec.precision) {
      return s.substring(0, s.offsetByCodePoints(0, spec.precision));
    }
    return s;
  }

  private static void formatInteger(StringBuilder out, long v, int verb, Spec spec, Object arg, int depth) {
    switch (verb) {
      case 'v', 'd' -> {
        if (spec.sharpV && verb == 'v') {
          pad(out, Long.toString(v), spec);
        } else {
          integer(out, v, 10, false, spec, "");
        }
      }
      case 'b' -> integer(out, v, 2, false, spec, "");
      case 'o' -> integer(out, v, 8, false, spec, spec.sharp ? "0" : "");
      case 'O' -> integer(out, v, 8, false, spec, "0o");
      case 'x' -> integer(out, v, 16, false, spec, spec.sharp ? "0x" : "");
      case 'X' -> integer(out, v, 16, true, spec, spec.sharp ? "0X" : "");
      case 'c' -> pad(out, new String(Character.toChars(runeOf(v))), spec);
      case 'q' -> pad(out, GoStrings.quoteRune(runeOf(v)), spec);
      case 'U' -> {
        String hex = Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
        String literal = "U+" + "0".repeat(Math.max(0, (spec.precisionPresent ? spec.precision : 4) - hex.length()))
            + hex;
        if (spec.sharp && v >= 0 && v <= Character.MAX_CODE_POINT && GoStrings.isPrint((int) v)) {
          literal += " '" + new String(Character.toChars((int) v)) + "'";
        }
        pad(out, literal, spec);
      }
      default -> badVerb(out, arg, verb, spec, depth);
    }
  }

  private static int runeOf(long v) {
    return v < 0 || v > Character.MAX_CODE_POINT || (v >= 0xD800 && v <= 0xDFFF) ? 0xFFFD : (int) v;
  }

  /** Go's fmtInteger: precision is the minimum digit count; zero padding goes after the sign. */
  private static void integer(StringBuilder out, long v, int base, boolean upper, Spec spec, String prefix) {
    boolean negative = v < 0;
    String digits = negative ? new java.math.BigInteger(Long.toString(v)).negate().toString(base)
        : Long.toString(v, base);
    if (upper) {
      digits = digits.toUpperCase(java.util.Locale.ROOT);
    }
    int precision = spec.precisionPresent ? spec.precision : 1;
    if (spec.precisionPresent && spec.precision == 0 && v == 0) {
      pad(out, "", spec);
      return;
    }
    if (!spec.precisionPresent && spec.zero && spec.widthPresent && !spec.minus) {
      precision = spec.width;
      if (negative || spec.plus || spec.space) {
        precision--;
      }
      precision -= prefix.length();
    }
    StringBuilder number = new StringBuilder();
    if (negative) {
      number.append('-');
    } else if (spec.plus) {
      number.append('+');
    } else if (spec.space) {
      number.append(' ');
    }
    number.append(prefix);
    for (int i = digits.length(); i < precision; i++) {
      number.append('0');
    }
    number.append(digits);
    boolean zero = spec.zero;
    spec.zero = false;
    pad(out, number.toString(), spec);
    spec.zero = zero;
  }

  private static void formatFloat(StringBuilder out, double v, int verb, Spec spec, Object arg, int depth) {
    int precision = spec.precisionPresent ? spec.precision : -1;
    switch (verb) {
      case 'v' -> floatVerb(out, v, 'g', -1, spec);
      case 'e', 'E', 'f', 'F' -> floatVerb(out, v, verb == 'F' ? 'f' : verb, precision < 0 ? 6 : precision, spec);
      case 'g', 'G' -> floatVerb(out, v, verb, precision, spec);
      case 'x', 'X' -> floatVerb(out, v, verb, precision, spec);
      default -> badVerb(out, arg, verb, spec, depth);
    }
  }

  /** Go's fmt.fmtFloat: strconv's digits, then sign, padding and the special handling of Inf and NaN. */
  private static void floatVerb(StringBuilder out, double v, int verb, int precision, Spec spec) {
    String num = GoStrconv.formatFloat(v, (char) verb, precision);
    if (spec.sharp && verb != 'b') {
      num = sharpFloat(num, verb, precision);
    }
    if (num.charAt(0) != '-' && num.charAt(0) != '+') {
      num = "+" + num;
    }
    if (spec.space && num.charAt(0) == '+' && !spec.plus) {
      num = " " + num.substring(1);
    }
    if (num.charAt(1) == 'I' || num.charAt(1) == 'N') {
      boolean zero = spec.zero;
      spec.zero = false;
      if (num.charAt(1) == 'N' && !spec.space && !spec.plus) {
        num = num.substring(1);
      }
      pad(out, num, spec);
      spec.zero = zero;
      return;
    }
    if (spec.plus || num.charAt(0) != '+') {
      if (spec.zero && spec.widthPresent && spec.width > num.length()) {
        out.append(num.charAt(0));
        out.append("0".repeat(spec.width - num.length()));
        out.append(num, 1, num.length());
        return;
      }
      pad(out, num, spec);
      return;
    }
    pad(out, num.substring(1), spec);
  }

  /** The {@code #} flag: always a decimal point, and for %g the trailing zeros kept. */
  private static String sharpFloat(String num, int verb, int precision) {
    if (num.contains("Inf") || num.contains("NaN")) {
      return num;
    }
    int exponentAt = Math.max(num.indexOf('e'), num.indexOf('E'));
    String mantissa = exponentAt < 0 ? num : num.substring(0, exponentAt);
    String exponent = exponentAt < 0 ? "" : num.substring(exponentAt);
    if (!mantissa.contains(".")) {
      mantissa += ".";
    }
    if (verb == 'g' || verb == 'G') {
      int digits = 0;
      boolean leading = true;
      for (int i = 0; i < mantissa.length(); i++) {
        char c = mantissa.charAt(i);
        if (c >= '0' && c <= '9') {
          if (c != '0') {
            leading = false;
          }
          if (!leading) {
            digits++;
          }
        }
      }
      int wanted = precision < 0 ? 6 : Math.max(precision, 1);
      if (digits == 0) {
        wanted--;
      }
      mantissa += "0".repeat(Math.max(0, wanted - digits));
    }
    return mantissa + exponent;
  }

  /** Go's fmt.pad: to the width with spaces (or zeros), on the left unless the minus flag is set. */
  private static void pad(StringBuilder out, String s, Spec spec) {
    if (!spec.widthPresent || spec.width == 0) {
      out.append(s);
      return;
    }
    int padding = spec.width - s.codePointCount(0, s.length());
    if (padding <= 0) {
      out.append(s);
      return;
    }
    String fill = (spec.zero ? "0" : " ").repeat(padding);
    if (spec.minus) {
      out.append(s).append(fill);
    } else {
      out.append(fill).append(s);
    }
  }
}
