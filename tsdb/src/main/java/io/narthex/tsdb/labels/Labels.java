package io.narthex.tsdb.labels;

import com.dynatrace.hash4j.hashing.HashStream64;
import com.dynatrace.hash4j.hashing.Hashing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * An immutable label set, sorted by label name, with unique names and no empty values, as Prometheus's
 * {@code model/labels.Labels}.
 *
 * <p>Stored as one interleaved array {@code [name0, value0, name1, value1, ...]}. The 64-bit {@link #hash()} is
 * XXH3 over every name and value, each followed by a {@code 0xff} separator byte, so two label sets with the same
 * pairs hash the same in every process.
 */
public final class Labels implements Comparable<Labels> {
  public static final String METRIC_NAME = "__name__";
  public static final Labels EMPTY = new Labels(new String[0]);
  private static final char SEPARATOR = '\u00ff';

  private final String[] pairs;
  private long hash;
  // Volatile so a thread that sees hashed also sees hash: label sets are shared across appending threads.
  private volatile boolean hashed;

  private Labels(String[] pairs) {
    this.pairs = pairs;
  }

  /**
   * Builds a label set from alternating names and values, in any order. Empty values are dropped.
   *
   * @throws IllegalArgumentException on an odd number of arguments or a repeated name
   */
  public static Labels of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("odd number of label names and values");
    }
    Builder builder = new Builder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (builder.has(namesAndValues[i])) {
        throw new IllegalArgumentException("duplicate label name " + namesAndValues[i]);
      }
      builder.set(namesAndValues[i], namesAndValues[i + 1]);
    }
    return builder.build();
  }

  /**
   * Wraps an interleaved array that the caller guarantees is sorted by name, with unique names and non-empty
   * values. The array is not copied and must not be changed afterwards.
   */
  public static Labels fromSortedPairs(String[] pairs) {
    return pairs.length == 0 ? EMPTY : new Labels(pairs);
  }

  /**
   * The same label set with every name and value replaced by {@code interner}'s instance, so that series share
   * their strings (the head keeps one copy of each). The hash carries over.
   */
  public Labels intern(java.util.function.UnaryOperator<String> interner) {
    String[] shared = new String[pairs.length];
    for (int i = 0; i < pairs.length; i++) {
      shared[i] = interner.apply(pairs[i]);
    }
    Labels out = new Labels(shared);
    if (hashed) {
      out.hash = hash;
      out.hashed = true;
    }
    return out;
  }

  public int size() {
    return pairs.length >> 1;
  }

  public boolean isEmpty() {
    return pairs.length == 0;
  }

  public String name(int index) {
    return pairs[index << 1];
  }

  public String value(int index) {
    return pairs[(index << 1) + 1];
  }

  /** Returns the value of {@code name}, or the empty string when absent, as Prometheus does. */
  public String get(String name) {
    int index = indexOf(name);
    return index < 0 ? "" : pairs[(index << 1) + 1];
  }

  public boolean has(String name) {
    return indexOf(name) >= 0;
  }

  /** Index of the pair named {@code name}, or a negative number when absent. */
  public int indexOf(String name) {
    int low = 0;
    int high = size() - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int cmp = pairs[mid << 1].compareTo(name);
      if (cmp < 0) {
        low = mid + 1;
      } else if (cmp > 0) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -(low + 1);
  }

  public String metricName() {
    return get(METRIC_NAME);
  }

  public void forEach(BiConsumer<String, String> action) {
    for (int i = 0; i < pairs.length; i += 2) {
      action.accept(pairs[i], pairs[i + 1]);
    }
  }

  /** Whether {@code name} is a valid label name in Prometheus's legacy charset, {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
  public static boolean isValidLabelName(String name) {
    return isValidName(name, false);
  }

  /** Whether {@code name} is a valid metric name in Prometheus's legacy charset, {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
  public static boolean isValidMetricName(String name) {
    return isValidName(name, true);
  }

  private static boolean isValidName(String name, boolean colonAllowed) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colonAllowed && c == ':')
          || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Copies of the names, in order. */
  public List<String> names() {
    List<String> names = new ArrayList<>(size());
    for (int i = 0; i < pairs.length; i += 2) {
      names.add(pairs[i]);
    }
    return names;
  }

  /** The label set without the given names. */
  public Labels without(Collection<String> names) {
    Builder builder = toBuilder();
    for (String name : names) {
      builder.delete(name);
    }
    return builder.build();
  }

  /** The label set without {@code __name__}. */
  public Labels withoutMetricName() {
    return has(METRIC_NAME) ? toBuilder().delete(METRIC_NAME).build() : this;
  }

  /** The label set with only the given names kept. */
  public Labels keep(Collection<String> names) {
    Builder builder = new Builder();
    for (int i = 0; i < pairs.length; i += 2) {
      if (names.contains(pairs[i])) {
        builder.set(pairs[i], pairs[i + 1]);
      }
    }
    return builder.build();
  }

  public Builder toBuilder() {
    Builder builder = new Builder();
    for (int i = 0; i < pairs.length; i += 2) {
      builder.set(pairs[i], pairs[i + 1]);
    }
    return builder;
  }

  /** 64-bit XXH3 of the names and values, separated by {@code 0xff}. */
  public long hash() {
    if (!hashed) {
      HashStream64 stream = Hashing.xxh3_64().hashStream();
      for (String s : pairs) {
        stream.putChars(s).putChar(SEPARATOR);
      }
      hash = stream.getAsLong();
      hashed = true;
    }
    return hash;
  }

  @Override
  public boolean equals(Object other) {
    return this == other || (other instanceof Labels that && Arrays.equals(pairs, that.pairs));
  }

  @Override
  public int hashCode() {
    return Long.hashCode(hash());
  }

  /** Orders as Prometheus's {@code labels.Compare}: pair by pair, names first, then values, then by size. */
  @Override
  public int compareTo(Labels other) {
    if (this == other) {
      return 0;
    }
    int n = Math.min(pairs.length, other.pairs.length);
    for (int i = 0; i < n; i++) {
      // Names, and the values of a head's series, are often the same interned instance: no scan then.
      String mine = pairs[i];
      String theirs = other.pairs[i];
      if (mine != theirs) {
        int cmp = mine.compareTo(theirs);
        if (cmp != 0) {
          return cmp;
        }
      }
    }
    return Integer.compare(pairs.length, other.pairs.length);
  }

  /** Prometheus's text form: {@code {a="1", b="2"}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < pairs.length; i += 2) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(pairs[i]).append("=\"");
      escape(pairs[i + 1], sb);
      sb.append('"');
    }
    return sb.append('}').toString();
  }

  /** Appends a label value escaped as in PromQL's double-quoted strings: backslash, quote and newline. */
  public static void escape(String value, StringBuilder sb) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        default -> sb.append(c);
      }
    }
  }

  /** Mutable builder; setting an empty value deletes the label, as Prometheus's {@code labels.Builder}. */
  public static final class Builder {
    private final ArrayList<String> names = new ArrayList<>();
    private final ArrayList<String> values = new ArrayList<>();

    public Builder set(String name, String value) {
      int index = names.indexOf(name);
      if (value == null || value.isEmpty()) {
        if (index >= 0) {
          names.remove(index);
          values.remove(index);
        }
      } else if (index >= 0) {
        values.set(index, value);
      } else {
        names.add(name);
        values.add(value);
      }
      return this;
    }

    public Builder delete(String name) {
      return set(name, "");
    }

    public boolean has(String name) {
      return names.contains(name);
    }

    public String get(String name) {
      int index = names.indexOf(name);
      return index < 0 ? "" : values.get(index);
    }

    public Labels build() {
      int n = names.size();
      if (n == 0) {
        return EMPTY;
      }
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> names.get(a).compareTo(names.get(b)));
      String[] pairs = new String[n * 2];
      for (int i = 0; i < n; i++) {
        pairs[2 * i] = names.get(order[i]);
        pairs[2 * i + 1] = values.get(order[i]);
      }
      return new Labels(pairs);
    }
  }
}
