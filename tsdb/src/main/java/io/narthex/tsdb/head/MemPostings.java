package io.narthex.tsdb.head;

import io.narthex.tsdb.index.PostingsForMatchers;
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
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  // Guarded by lock.
  private final Map<String, TreeMap<String, RoaringBitmap>> postingsByName = new HashMap<>();
  private MemSeries[] seriesById = new MemSeries[1024];
  /** Next id; ids of removed series are not reused. */
  private int size;
  private final RoaringBitmap live = new RoaringBitmap();
  private final PostingsView postingsView = new PostingsView();

  /** Creates a series with the next id and indexes its labels. */
  MemSeries add(Labels labels, long hash, long identityHigh) {
    lock.writeLock().lock();
    try {
      int id = size;
      if (id == seriesById.length) {
        seriesById = Arrays.copyOf(seriesById, seriesById.length * 2);
      }
      MemSeries series = new MemSeries(labels, id, hash, identityHigh);
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

  /** Number of series with the label {@code name="value"}. */
  int count(String name, String value) {
    lock.readLock().lock();
    try {
      TreeMap<String, RoaringBitmap> values = postingsByName.get(name);
      RoaringBitmap bitmap = values == null ? null : values.get(value);
      return bitmap == null ? 0 : bitmap.getCardinality();
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

  /** Prometheus's {@code PostingsForMatchers} over the in-memory bitmaps. Caller holds the read lock. */
  RoaringBitmap postingsForMatchers(List<Matcher> matchers) {
    return PostingsForMatchers.select(postingsView, matchers);
  }

  /** The bitmaps as {@link PostingsForMatchers} reads them: a value's handle is its bitmap itself. */
  private final class PostingsView implements PostingsForMatchers.Index<RoaringBitmap, RuntimeException> {
    @Override
    public RoaringBitmap allPostings() {
      return live.clone();
    }

    @Override
    public RoaringBitmap lookup(String name, String value) {
      TreeMap<String, RoaringBitmap> values = postingsByName.get(name);
      return values == null ? null : values.get(value);
    }

    @Override
    public void forEachValue(String name, String from, PostingsForMatchers.ValueVisitor<RoaringBitmap> visitor) {
      TreeMap<String, RoaringBitmap> values = postingsByName.get(name);
      if (values == null) {
        return;
      }
      NavigableMap<String, RoaringBitmap> range = from.isEmpty() ? values : values.tailMap(from, true);
      for (Map.Entry<String, RoaringBitmap> entry : range.entrySet()) {
        if (!visitor.visit(entry.getKey(), entry.getValue())) {
          return;
        }
      }
    }

    /** May return an index bitmap itself, which must not be changed. */
    @Override
    public RoaringBitmap union(String name, List<RoaringBitmap> bitmaps) {
      return bitmaps.size() == 1 ? bitmaps.get(0) : FastAggregation.or(bitmaps.iterator());
    }
  }
}
