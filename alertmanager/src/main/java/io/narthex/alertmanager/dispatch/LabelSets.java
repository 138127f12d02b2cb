package io.narthex.alertmanager.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Label-set helpers as Prometheus's {@code common/model} has them for Alertmanager: the fingerprint, the
 * {@code LabelSet.String()} form used in group keys, and the {@code LabelSet.Before} order.
 */
public final class LabelSets {
  // FNV-64a constants (prometheus/common model/fnv.go).
  private static final long OFFSET_64 = 0xcbf29ce484222325L;
  private static final long PRIME_64 = 0x100000001b3L;
  private static final int SEPARATOR = 0xff;

  private LabelSets() {}

  /**
   * {@code model.LabelSet.Fingerprint}: FNV-64a over the names in byte order, each name and value followed by a 0xff
   * byte; the empty set hashes to the FNV offset.
   */
  public static long fingerprint(SortedMap<String, String> labels) {
    long hash = OFFSET_64;
    for (Map.Entry<String, String> e : labels.entrySet()) {
      hash = add(hash, e.getKey());
      hash = addByte(hash, SEPARATOR);
      hash = add(hash, e.getValue());
      hash = addByte(hash, SEPARATOR);
    }
    return hash;
  }

  /** {@code model.Fingerprint.String()}: 16 lowercase hex digits. */
  public static String hex(long fingerprint) {
    String s = Long.toHexString(fingerprint);
    return "0".repeat(16 - s.length()) + s;
  }

  private static long add(long hash, String s) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      hash = addByte(hash, b & 0xff);
    }
    return hash;
  }

  private static long addByte(long hash, int b) {
    return (hash ^ b) * PRIME_64;
  }

  /** {@code model.LabelSet.String()}: {@code {a="b", c="d"}}, the {@code name=%q} strings sorted. */
  public static String toGoString(Map<String, String> labels) {
    TreeSet<String> pairs = new TreeSet<>();
    for (Map.Entry<String, String> e : labels.entrySet()) {
      pairs.add(e.getKey() + "=" + goQuote(e.getValue()));
    }
    return "{" + String.join(", ", pairs) + "}";
  }

  /** Go's {@code %q} of a string, for the printable text labels hold. */
  static String goQuote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    s.codePoints().forEach(c -> {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\x%02x", c));
          } else {
            b.appendCodePoint(c);
          }
        }
      }
    });
    return b.append('"').toString();
  }

  /** {@code model.LabelSet.Before}: fewer labels first, then the first differing value over the union of names. */
  public static boolean before(SortedMap<String, String> a, SortedMap<String, String> b) {
    if (a.size() != b.size()) {
      return a.size() < b.size();
    }
    TreeSet<String> names = new TreeSet<>(a.keySet());
    names.addAll(b.keySet());
    for (Iterator<String> it = names.iterator(); it.hasNext(); ) {
      String name = it.next();
      String av = a.get(name);
      if (av == null) {
        return true;
      }
      String bv = b.get(name);
      if (bv == null) {
        return false;
      }
      int c = av.compareTo(bv);
      if (c != 0) {
        return c < 0;
      }
    }
    return false;
  }
}
