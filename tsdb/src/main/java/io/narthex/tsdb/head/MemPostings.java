package io.narthex.tsdb.head;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.RoaringBitmap;

/**
 * The head's inverted index: series by dense id, and for each label pair the bitmap of ids carrying it, with values
 * kept sorted per name. A read-write lock lets many queries run while series creation, which is rare, takes turns.
 * Bitmaps handed out by lookups are never mutated by the caller; results are always fresh bitmaps.
 */
final class MemPostings {
  private static final RoaringBitmap EMPTY = new RoaringBitmap();

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  // Guarded by lock.
  private final Map<String, TreeMap<String, RoaringBitmap>> postingsByName = new HashMap<>();
  private MemSeries[] seriesById = new MemSeries[1024];
  /** Next id; ids of removed series are not reused. */
  private int size;
  private final RoaringBitmap live = new RoaringBitmap();

  /** Creates a series with the next id and indexes its labels. */
  MemSeries add(Labels labels, long hash) {
    lock.writeLock().lock();
    try {
      int id = size;
      if (id == seriesById.length) {
        seriesById = Arrays.copyOf(seriesById, seriesById.length * 2);
      }
      MemSeries series = new MemSeries(labels, id, hash);
      for (int i = 0; i < labels.size(); i++) {
        postingsByName
            .computeIfAbsent(labels.name(i), k -> new TreeMap<>())
            .computeIfAbsent(labels.value(i), k -> new RoaringBitmap())
            .add(id);
      }
      seriesById[id] = series;
      size = id + 1;
      live.add(id);
      return series;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Drops series from the index; their ids are not reused. */
  void remove(List<MemSeries> removed) {
    if (removed.isEmpty()) {
      return;
    }
    lock.writeLock().lock();
    try {
      for (MemSeries series : removed) {
        int id = series.id();
        if (!live.contains(id)) {
          continue;
        }
        live.remove(id);
        seriesById[id] = null;
        Labels labels = series.labels();
        for (int i = 0; i < labels.size(); i++) {
          TreeMap<String, RoaringBitmap> values = postingsByName.get(labels.name(i));
          RoaringBitmap bitmap = values.get(labels.value(i));
          bitmap.remove(id);
          if (bitmap.isEmpty()) {
            values.remove(labels.value(i));
            if (values.isEmpty()) {
              postingsByName.remove(labels.name(i));
            }
          }
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Number of series held. */
  int size() {
    lock.readLock().lock();
    try {
      return live.getCardinality();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Series matching every matcher, in id order. */
  List<MemSeries> select(List<Matcher> matchers) {
    lock.readLock().lock();
    try {
      RoaringBitmap ids = postingsForMatchers(matchers);
      List<MemSeries> out = new ArrayList<>(ids.getCardinality());
      var it = ids.getIntIterator();
      while (it.hasNext()) {
        out.add(seriesById[it.next()]);
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Sorted label names of all series. */
  List<String> labelNames() {
    lock.readLock().lock();
    try {
      List<String> names = new ArrayList<>(postingsByName.keySet());
      names.sort(null);
      return names;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Sorted values of a label name over all series. */
  List<String> labelValues(String name) {
    lock.readLock().lock();
    try {
      TreeMap<String, RoaringBitmap> values = postingsByName.get(name);
      return values == null ? List.of() : new ArrayList<>(values.keySet());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Prometheus's {@code PostingsForMatchers}: intersect the postings of matchers that do not match the empty string,
   * then subtract, for matchers that do, the postings of the values they reject, so series lacking the label stay.
   * With no restricting matcher, start from all series. Caller holds the read lock.
   */
  RoaringBitmap postingsForMatchers(List<Matcher> matchers) {
    List<RoaringBitmap> intersect = new ArrayList<>(matchers.size());
    List<RoaringBitmap> subtract = new ArrayList<>();
    for (Matcher m : matchers) {
      if (m.type() == Matcher.Type.REGEX && m.value().equals(".*")) {
        continue; // matches every value and absence
      }
      if (m.matchesEmpty()) {
        RoaringBitmap rejected = postingsForValues(m, false);
        if (!rejected.isEmpty()) {
          subtract.add(rejected);
        }
      } else {
        RoaringBitmap accepted = postingsForValues(m, true);
        if (accepted.isEmpty()) {
          return new RoaringBitmap();
        }
        intersect.add(accepted);
      }
    }
    RoaringBitmap result;
    if (intersect.isEmpty()) {
      result = live.clone();
    } else {
      intersect.sort((a, b) -> Integer.compare(a.getCardinality(), b.getCardinality()));
      result = intersect.get(0).clone();
      for (int i = 1; i < intersect.size() && !result.isEmpty(); i++) {
        result.and(intersect.get(i));
      }
    }
    for (int i = 0; i < subtract.size() && !result.isEmpty(); i++) {
      result.andNot(subtract.get(i));
    }
    return result;
  }

  /**
   * Union of postings of the values {@code v} of the matcher's label with {@code m.matches(v) == wanted}. May return
   * an index bitmap itself, which must not be changed.
   */
  private RoaringBitmap postingsForValues(Matcher m, boolean wanted) {
    TreeMap<String, RoaringBitmap> values = postingsByName.get(m.name());
    if (values == null) {
      return EMPTY;
    }
    Matcher.Type type = m.type();
    boolean equalityLookup = (type == Matcher.Type.EQUAL) == wanted && (type == Matcher.Type.EQUAL || type == Matcher.Type.NOT_EQUAL);
    if (equalityLookup) {
      return values.getOrDefault(m.value(), EMPTY);
    }
    boolean isRegex = type == Matcher.Type.REGEX || type == Matcher.Type.NOT_REGEX;
    // True when we want the values the regex itself accepts, so its literal set and prefix narrow the search.
    boolean regexAccepted = isRegex && (type == Matcher.Type.REGEX) == wanted;
    List<RoaringBitmap> parts = new ArrayList<>();
    List<String> literals = regexAccepted ? m.setMatches() : null;
    if (literals != null) {
      for (int i = 0; i < literals.size(); i++) {
        RoaringBitmap bitmap = values.get(literals.get(i));
        if (bitmap != null) {
          parts.add(bitmap);
        }
      }
    } else {
      String prefix = regexAccepted ? m.prefix() : "";
      NavigableMap<String, RoaringBitmap> range = prefix.isEmpty() ? values : values.tailMap(prefix, true);
      for (Map.Entry<String, RoaringBitmap> entry : range.entrySet()) {
        String value = entry.getKey();
        if (!prefix.isEmpty() && !value.startsWith(prefix)) {
          break;
        }
        if (m.matches(value) == wanted) {
          parts.add(entry.getValue());
        }
      }
    }
    return switch (parts.size()) {
      case 0 -> EMPTY;
      case 1 -> parts.get(0);
      default -> FastAggregation.or(parts.iterator());
    };
  }
}
