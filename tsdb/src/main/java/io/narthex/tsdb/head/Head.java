package io.narthex.tsdb.head;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.WindowedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The in-memory head of one tenant, as Prometheus's {@code tsdb.Head} without WAL (samples behind their series'
 * newest are kept apart within {@link HeadOptions#outOfOrderWindowMs} and merged on read): series
 * keyed by label hash (collisions kept apart by comparing labels), XOR chunks of float samples, and an inverted
 * index of label pairs to series ids. Closed chunks live off the Java heap, in a {@link HeadChunkSpace}.
 *
 * <p>Thread-safe. Finding a known series takes no lock; appends lock only their series; series creation takes the
 * head's series lock and briefly the index write lock; queries take the index read lock to resolve matchers, then
 * each series' lock to snapshot its chunks.
 * Timestamps are milliseconds since the epoch.
 */
public final class Head implements Queryable {
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(MemSeries[].class);
  private static final int INITIAL_SLOTS = 1024;

  private final HeadOptions options;
  /** Null but in tests: then the identity's low half comes from {@link SeriesIdentity}. */
  private final ToLongFunction<Labels> hashFunction;
  /**
   * Series by identity: open addressing on the identity's low half with linear probing, at most half full; a slot
   * holds the newest series of its low half's collision chain ({@link MemSeries#collisionNext}). Written under
   * {@link #seriesLock} (slots with release stores, a grown table published whole); read without a lock, so finding
   * a known series, once per sample, takes no lock and its memory loads can overlap the previous series'. A lookup
   * that finds nothing asks again under the lock, as a writer moving slots may hide a series from it for a moment.
   */
  private volatile MemSeries[] table = new MemSeries[INITIAL_SLOTS];
  /** Guarded by seriesLock: slots of {@link #table} in use. */
  private int usedSlots;
  private final Object seriesLock = new Object();
  private final MemPostings postings = new MemPostings();
  /** Closed chunks' bytes; a chunk is read and released only under its series' lock. */
  final HeadChunkSpace chunkSpace = new HeadChunkSpace();
  /** One instance of each label name and value of the head's series: most are shared by many series. */
  private final java.util.concurrent.ConcurrentHashMap<String, String> symbols =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong minTimeMs = new AtomicLong(Long.MAX_VALUE);
  private final AtomicLong maxTimeMs = new AtomicLong(Long.MIN_VALUE);
  /** Samples older than this are out of bounds: their range is already in a block. */
  private volatile long minValidTimeMs = Long.MIN_VALUE;
  /**
   * Data before this is in blocks (cut to local disk or shipped to object storage); {@link Long#MIN_VALUE} when
   * nothing is. Truncation never passes it.
   */
  private volatile long inBlocksBeforeMs = Long.MIN_VALUE;

  public Head() {
    this(HeadOptions.DEFAULT);
  }

  public Head(HeadOptions options) {
    this(options, null);
  }

  /** For tests: a head whose series map key (the identity's low half) is {@code hashFunction}, to force collisions. */
  Head(HeadOptions options, ToLongFunction<Labels> hashFunction) {
    this.options = options;
    this.hashFunction = hashFunction;
  }

  /** The series with exactly these labels (see {@link SeriesIdentity}), created and indexed when new. */
  public MemSeries getOrCreate(Labels labels) {
    byte[] canonical = SeriesIdentity.canonical(labels);
    long low = hashFunction != null ? hashFunction.applyAsLong(labels) : SeriesIdentity.low(canonical, 0, canonical.length);
    return getOrCreate(low, SeriesIdentity.high(canonical, 0, canonical.length), labels, null);
  }

  /**
   * A label set not yet materialized, such as one still in its wire encoding: the head looks it up by its
   * {@link SeriesIdentity} and builds {@link #toLabels()} only for a new series.
   */
  public interface LabelsKey {
    /** {@link SeriesIdentity#low} of the label set's canonical bytes. */
    long identityLow();

    /** {@link SeriesIdentity#high} of the label set's canonical bytes. */
    long identityHigh();

    Labels toLabels();
  }

  /**
   * As {@link #getOrCreate(Labels)}, allocating nothing when the series exists.
   *
   * @throws IllegalArgumentException from {@link LabelsKey#toLabels()} when the series is new and its labels invalid
   */
  public MemSeries getOrCreate(LabelsKey key) {
    if (hashFunction != null) {
      return getOrCreate(key.toLabels());
    }
    return getOrCreate(key.identityLow(), key.identityHigh(), null, key);
  }

  /** The series the head holds with this label set, or null: a lookup that never creates. */
  public MemSeries get(LabelsKey key) {
    long low;
    long high;
    if (hashFunction != null) {
      Labels labels = key.toLabels();
      byte[] canonical = SeriesIdentity.canonical(labels);
      low = hashFunction.applyAsLong(labels);
      high = SeriesIdentity.high(canonical, 0, canonical.length);
    } else {
      low = key.identityLow();
      high = key.identityHigh();
    }
    MemSeries found = find(low, high);
    if (found != null) {
      return found;
    }
    synchronized (seriesLock) {
      return find(low, high);
    }
  }

  /**
   * Sets {@code out[i]}, for each {@code i < count}, to the series of identity {@code (lows[i], highs[i])} (the
   * halves {@link LabelsKey} gives), or to null where the head may not hold it: ask {@link #get} or
   * {@link #getOrCreate(LabelsKey)} for those. Takes no lock and allocates nothing. For a batch of series hashed
   * beforehand: the lookups are independent, so in one tight loop their cache misses overlap, where one lookup per
   * series between parsing and appending waits for each miss in turn.
   */
  public void findAll(long[] lows, long[] highs, int count, MemSeries[] out) {
    if (hashFunction != null) {
      Arrays.fill(out, 0, count, null);
      return;
    }
    for (int i = 0; i < count; i++) {
      out[i] = find(lows[i], highs[i]);
    }
  }

  private MemSeries getOrCreate(long low, long high, Labels labels, LabelsKey key) {
    MemSeries found = find(low, high);
    if (found != null) {
      return found;
    }
    // Built outside the lock: it may throw, and it allocates.
    Labels created = (labels == null ? key.toLabels() : labels).intern(this::symbol);
    synchronized (seriesLock) {
      found = find(low, high);
      if (found != null) {
        return found;
      }
      MemSeries series = postings.add(created, low, high);
      insert(series);
      return series;
    }
  }

  /** The series of this identity in {@link #table}, or null; without the lock, a null may be wrong (see there). */
  private MemSeries find(long low, long high) {
    MemSeries[] slots = table;
    int mask = slots.length - 1;
    for (int i = (int) low & mask; ; i = (i + 1) & mask) {
      MemSeries s = (MemSeries) SLOTS.getAcquire(slots, i);
      if (s == null) {
        return null;
      }
      if (s.hash == low) {
        for (; s != null; s = s.collisionNext) {
          if (s.identityHigh == high) {
            return s;
          }
        }
        return null;
      }
    }
  }

  /** Puts a new series in {@link #table}, first of its low half's chain; the caller holds {@link #seriesLock}. */
  private void insert(MemSeries series) {
    MemSeries[] slots = table;
    if (2 * (usedSlots + 1) > slots.length) {
      slots = grow(slots);
    }
    int mask = slots.length - 1;
    for (int i = (int) series.hash & mask; ; i = (i + 1) & mask) {
      MemSeries s = slots[i];
      if (s == null || s.hash == series.hash) {
        series.collisionNext = s;
        SLOTS.setRelease(slots, i, series);
        usedSlots += s == null ? 1 : 0;
        return;
      }
    }
  }

  /** A table twice the size holding every chain of {@code slots}, published; the caller holds the lock. */
  private MemSeries[] grow(MemSeries[] slots) {
    MemSeries[] grown = new MemSeries[2 * slots.length];
    int mask = grown.length - 1;
    for (MemSeries s : slots) {
      if (s != null) {
        int i = (int) s.hash & mask;
        while (grown[i] != null) {
          i = (i + 1) & mask;
        }
        grown[i] = s;
      }
    }
    table = grown;
    return grown;
  }

  /** Takes a series out of {@link #table}; the caller holds {@link #seriesLock}. */
  private void remove(MemSeries series) {
    MemSeries[] slots = table;
    int mask = slots.length - 1;
    for (int i = (int) series.hash & mask; slots[i] != null; i = (i + 1) & mask) {
      MemSeries first = slots[i];
      if (first.hash != series.hash) {
        continue;
      }
      if (first == series && series.collisionNext != null) {
        SLOTS.setRelease(slots, i, series.collisionNext);
      } else if (first == series) {
        deleteSlot(slots, i);
      } else {
        for (MemSeries s = first; s.collisionNext != null; s = s.collisionNext) {
          if (s.collisionNext == series) {
            s.collisionNext = series.collisionNext;
            break;
          }
        }
      }
      return;
    }
  }

  /**
   * Empties slot {@code hole} by moving back each later slot of the probe run that may live there (Knuth's
   * algorithm R for linear probing), so lookups need no tombstones.
   */
  private void deleteSlot(MemSeries[] slots, int hole) {
    int mask = slots.length - 1;
    for (int j = (hole + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
      int home = (int) slots[j].hash & mask;
      // The series at j may move to the hole when its home is not cyclically within (hole, j].
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        SLOTS.setRelease(slots, hole, slots[j]);
        hole = j;
      }
    }
    SLOTS.setRelease(slots, hole, null);
    usedSlots--;
  }

  private String symbol(String s) {
    String existing = symbols.putIfAbsent(s, s);
    return existing == null ? s : existing;
  }

  /**
   * Appends a float sample with Prometheus's rules: before the minimum valid time is {@code OUT_OF_BOUNDS}, further
   * behind the head's newest sample than the appendable window is {@code TOO_OLD}, older than the series' last
   * sample is {@code OUT_OF_ORDER}; the
   * same timestamp is a no-op when the value bits are identical and {@code DUPLICATE_DIFFERENT_VALUE} otherwise.
   * Staleness markers are stored like any value. Allocates nothing per sample beyond chunk buffers.
   */
  public AppendResult append(MemSeries series, long timestampMs, double value) {
    AppendResult bounds = bounds(timestampMs);
    if (bounds != AppendResult.OK) {
      return bounds;
    }
    long bits = Double.doubleToRawLongBits(value);
    synchronized (series) {
      if (series.hasSamples) {
        if (timestampMs < series.lastTimestampMs) {
          return appendOutOfOrder(series, timestampMs, bits);
        }
        if (timestampMs == series.lastTimestampMs) {
          return bits == series.lastValueBits ? AppendResult.DUPLICATE_NOOP : AppendResult.DUPLICATE_DIFFERENT_VALUE;
        }
      }
      XorAppender chunk = series.headChunk;
      if (chunk == null) {
        chunk = series.headChunk = new XorAppender();
      } else if (chunk.numSamples() >= options.samplesPerChunk()) {
        closeHeadChunk(series, chunk);
      }
      chunk.append(timestampMs, value);
      series.hasSamples = true;
      series.lastTimestampMs = timestampMs;
      series.lastValueBits = bits;
    }
    updateMin(timestampMs);
    updateMax(timestampMs);
    return AppendResult.OK;
  }

  /**
   * Moves the series' full open chunk off the heap and empties its appender for the next chunk, keeping the buffer
   * (sized like the last chunk, so it rarely grows): allocates nothing but now and then a larger ref array.
   */
  private void closeHeadChunk(MemSeries series, XorAppender chunk) {
    long ref = chunkSpace.allocate(chunk.sizeBytes());
    chunk.copyTo(chunkSpace.segment(ref), HeadChunkSpace.offset(ref));
    series.addClosed(chunk.minTimeMs(), chunk.maxTimeMs(), ref);
    chunk.reset();
  }

  /** A heap copy of the series' closed chunk {@code i}; the caller holds the series' lock. */
  EncodedChunk closedChunk(MemSeries series, int i) {
    return new EncodedChunk(series.closedMinTimeMs(i), series.closedMaxTimeMs(i),
        chunkSpace.copy(series.closedRef(i)));
  }

  /** A sample behind its series' newest: kept apart if within the out-of-order window, else refused. */
  private AppendResult appendOutOfOrder(MemSeries series, long timestampMs, long bits) {
    long windowMs = options.outOfOrderWindowMs();
    if (windowMs == 0 || timestampMs < maxTimeMs.get() - windowMs) {
      return AppendResult.OUT_OF_ORDER;
    }
    AppendResult stored = storedAt(series, timestampMs, bits);
    if (stored != null) {
      return stored;
    }
    if (series.outOfOrder == null) {
      series.outOfOrder = new OutOfOrderSamples();
    }
    AppendResult result = series.outOfOrder.insert(timestampMs, bits);
    if (result == AppendResult.OK) {
      updateMin(timestampMs);
    }
    return result;
  }

  /**
   * For a sample the series already has at {@code timestampMs} in a chunk: {@code DUPLICATE_NOOP} with the same value
   * bits, else {@code DUPLICATE_DIFFERENT_VALUE}; null when it has none there. Decodes only the chunks covering it.
   */
  private AppendResult storedAt(MemSeries series, long timestampMs, long bits) {
    XorIterator iterator = null;
    List<EncodedChunk> candidates = new ArrayList<>(2);
    for (int i = 0; i < series.closedCount; i++) {
      if (series.closedMinTimeMs(i) <= timestampMs && timestampMs <= series.closedMaxTimeMs(i)) {
        candidates.add(closedChunk(series, i));
      }
    }
    XorAppender open = series.headChunk;
    if (open != null && open.numSamples() > 0 && open.minTimeMs() <= timestampMs) {
      candidates.add(new EncodedChunk(open.minTimeMs(), open.maxTimeMs(), open.bytes()));
    }
    if (series.outOfOrder != null) {
      for (EncodedChunk chunk : series.outOfOrder.chunks) {
        if (chunk.minTimeMs() <= timestampMs && timestampMs <= chunk.maxTimeMs()) {
          candidates.add(chunk);
        }
      }
    }
    for (EncodedChunk chunk : candidates) {
      if (iterator == null) {
        iterator = new XorIterator();
      }
      iterator.reset(chunk.data());
      if (iterator.seek(timestampMs) && iterator.timestampMs() == timestampMs) {
        return iterator.valueBits() == bits ? AppendResult.DUPLICATE_NOOP : AppendResult.DUPLICATE_DIFFERENT_VALUE;
      }
    }
    return null;
  }

  /**
   * Whether the head would take a sample at {@code timestampMs} as far as time bounds go: {@code OUT_OF_BOUNDS} before
   * the minimum valid time, {@code TOO_OLD} further behind the newest sample than the appendable window, else
   * {@code OK}. Lets a writer refuse a series' samples without creating the series.
   */
  public AppendResult bounds(long timestampMs) {
    if (timestampMs < minValidTimeMs) {
      return AppendResult.OUT_OF_BOUNDS;
    }
    long windowMs = options.appendableWindowMs() == 0 ? 0
        : Math.max(options.appendableWindowMs(), options.outOfOrderWindowMs());
    if (windowMs > 0) {
      long newestMs = maxTimeMs.get();
      if (newestMs != Long.MIN_VALUE && timestampMs < newestMs - windowMs && newestMs - windowMs < newestMs) {
        return AppendResult.TOO_OLD;
      }
    }
    return AppendResult.OK;
  }

  /** Samples older than this are rejected as {@link AppendResult#OUT_OF_BOUNDS}; {@link Long#MIN_VALUE} at first. */
  public long minValidTimeMs() {
    return minValidTimeMs;
  }

  /** Raises the minimum valid time (never lowers it): the range before it has been written to a block. */
  public synchronized void setMinValidTimeMs(long timestampMs) {
    if (timestampMs > minValidTimeMs) {
      minValidTimeMs = timestampMs;
    }
  }

  /**
   * Data before this is in blocks (cut to local disk or shipped to object storage); {@link Long#MIN_VALUE} when
   * nothing is. Truncation never passes it.
   */
  public long inBlocksBeforeMs() {
    return inBlocksBeforeMs;
  }

  /** Raises the block mark (never lowers it) and the minimum valid time with it. */
  public synchronized void setInBlocksBeforeMs(long timestampMs) {
    setMinValidTimeMs(timestampMs);
    if (timestampMs > inBlocksBeforeMs) {
      inBlocksBeforeMs = timestampMs;
    }
  }

  /**
   * Drops every chunk whose samples all lie before {@code beforeMs}, then every series left without chunks, as
   * Prometheus's head truncation. A chunk straddling {@code beforeMs} stays whole, so readers may still see a few
   * older samples. Must not run concurrently with appends (the shard applies both on one thread). Frees the pages
   * of {@link HeadChunkSpace} left without live chunks.
   *
   * @return the number of series removed
   */
  public int truncateBefore(long beforeMs) {
    List<MemSeries> removed = new ArrayList<>();
    long newMinTimeMs = Long.MAX_VALUE;
    for (MemSeries series : allSeries()) {
      synchronized (series) {
        series.dropClosedBefore(beforeMs, chunkSpace);
        XorAppender open = series.headChunk;
        if (open != null && open.numSamples() > 0 && open.maxTimeMs() < beforeMs) {
          series.headChunk = null;
        }
        OutOfOrderSamples late = series.outOfOrder;
        if (late != null) {
          late.truncateBefore(beforeMs);
          if (late.isEmpty()) {
            series.outOfOrder = null;
          } else {
            newMinTimeMs = Math.min(newMinTimeMs, late.minTimeMs()); // older than every in-order sample left
          }
        }
        if (series.closedCount > 0) {
          newMinTimeMs = Math.min(newMinTimeMs, series.closedMinTimeMs(0));
        } else if (series.headChunk != null && series.headChunk.numSamples() > 0) {
          newMinTimeMs = Math.min(newMinTimeMs, series.headChunk.minTimeMs());
        } else {
          removed.add(series);
        }
      }
    }
    synchronized (seriesLock) {
      for (MemSeries series : removed) {
        remove(series);
      }
    }
    postings.remove(removed);
    if (!removed.isEmpty()) {
      // Forget the symbols only removed series used; appends do not run meanwhile (see above).
      symbols.clear();
      for (MemSeries series : allSeries()) {
        Labels labels = series.labels();
        for (int i = 0; i < labels.size(); i++) {
          symbol(labels.name(i));
          symbol(labels.value(i));
        }
      }
    }
    minTimeMs.set(newMinTimeMs);
    if (newMinTimeMs == Long.MAX_VALUE) {
      maxTimeMs.set(Long.MIN_VALUE);
    }
    return removed.size();
  }

  /** Widens the head's time range to cover {@code [minTimeMs, maxTimeMs]}; for series restored from a snapshot. */
  void observeTimeRange(long minTimeMs, long maxTimeMs) {
    updateMin(minTimeMs);
    updateMax(maxTimeMs);
  }

  HeadOptions options() {
    return options;
  }

  /** Every series in id order, as of now; series created later are not included. */
  List<MemSeries> allSeries() {
    return postings.select(List.of());
  }

  private void updateMin(long timestampMs) {
    long current = minTimeMs.get();
    while (timestampMs < current && !minTimeMs.compareAndSet(current, timestampMs)) {
      current = minTimeMs.get();
    }
  }

  private void updateMax(long timestampMs) {
    long current = maxTimeMs.get();
    while (timestampMs > current && !maxTimeMs.compareAndSet(current, timestampMs)) {
      current = maxTimeMs.get();
    }
  }

  /**
   * Series matching every matcher, sorted by labels, each with only its chunks overlapping
   * {@code [minTimeMs, maxTimeMs]}; every chunk is a heap copy, so it stays valid after truncation. Series with no
   * such chunk are left out. Chunks may hold samples outside the range: readers filter, e.g. with
   * {@link WindowedSeries}.
   */
  public List<EncodedSeries> selectChunks(long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    List<MemSeries> matched = postings.select(matchers);
    matched.sort((a, b) -> a.labels().compareTo(b.labels()));
    List<EncodedSeries> out = new ArrayList<>(matched.size());
    List<EncodedChunk> chunks = new ArrayList<>();
    for (int i = 0; i < matched.size(); i++) {
      MemSeries series = matched.get(i);
      copyChunks(series, minTimeMs, maxTimeMs, chunks);
      if (!chunks.isEmpty()) {
        out.add(new EncodedSeries(series.labels(), chunks));
      }
    }
    return out;
  }

  /**
   * The series of {@link #streamChunks}: the label sets of every series it may yield (for a block's symbol table,
   * written before any series), and the series themselves, each copied only when the iterator reaches it.
   */
  public record StreamedSeries(List<Labels> labelSets, Iterator<EncodedSeries> series) {}

  /**
   * Every series with chunks overlapping {@code [minTimeMs, maxTimeMs]}, in {@code order}, as
   * {@link #selectChunks} with no matchers but one series at a time: a series' chunks are copied off the head (under
   * its lock) when the iterator reaches it, so a block cut holds one series' chunks on the heap, not all of them.
   * Series with no such chunk when reached are skipped. Single-threaded use.
   */
  public StreamedSeries streamChunks(long minTimeMs, long maxTimeMs, Comparator<Labels> order) {
    List<MemSeries> matched = postings.select(List.of());
    matched.sort((a, b) -> order.compare(a.labels(), b.labels()));
    List<Labels> labelSets = new ArrayList<>(matched.size());
    for (MemSeries series : matched) {
      labelSets.add(series.labels());
    }
    Iterator<EncodedSeries> iterator = new Iterator<>() {
      private final List<EncodedChunk> chunks = new ArrayList<>();
      private int nextIndex;
      private EncodedSeries next;

      @Override
      public boolean hasNext() {
        while (next == null && nextIndex < matched.size()) {
          MemSeries series = matched.get(nextIndex);
          matched.set(nextIndex++, null);
          copyChunks(series, minTimeMs, maxTimeMs, chunks);
          if (!chunks.isEmpty()) {
            next = new EncodedSeries(series.labels(), chunks);
          }
        }
        return next != null;
      }

      @Override
      public EncodedSeries next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        EncodedSeries series = next;
        next = null;
        return series;
      }
    };
    return new StreamedSeries(labelSets, iterator);
  }

  /** Sets {@code out} to heap copies of the series' chunks overlapping {@code [minTimeMs, maxTimeMs]}. */
  private void copyChunks(MemSeries series, long minTimeMs, long maxTimeMs, List<EncodedChunk> out) {
    out.clear();
    synchronized (series) {
      if (!series.hasSamples) {
        return;
      }
      for (int c = 0; c < series.closedCount; c++) {
        if (series.closedMaxTimeMs(c) >= minTimeMs && series.closedMinTimeMs(c) <= maxTimeMs) {
          out.add(closedChunk(series, c));
        }
      }
      XorAppender open = series.headChunk;
      if (open != null && open.numSamples() > 0 && open.maxTimeMs() >= minTimeMs && open.minTimeMs() <= maxTimeMs) {
        out.add(new EncodedChunk(open.minTimeMs(), open.maxTimeMs(), open.bytes()));
      }
      OutOfOrderSamples late = series.outOfOrder;
      if (late != null && late.overlaps(minTimeMs, maxTimeMs)) {
        List<EncodedChunk> merged = late.merge(out, minTimeMs, maxTimeMs, options.samplesPerChunk());
        out.clear();
        out.addAll(merged);
      }
    }
  }

  @Override
  public Querier querier(long minTimeMs, long maxTimeMs) {
    return new HeadQuerier(minTimeMs, maxTimeMs);
  }

  public int numSeries() {
    return postings.size();
  }

  /** Number of series with the label {@code name="value"}, such as one metric's series. */
  public int numSeriesWith(String name, String value) {
    return postings.count(name, value);
  }

  /**
   * The timestamp of the head's first sample at or after {@code fromMs}, or {@link Long#MAX_VALUE} when there is
   * none. Reads every series, and decodes the chunks that straddle {@code fromMs}: for the shipper, once per range it
   * finds empty, not per sample.
   */
  public long firstTimeAtOrAfterMs(long fromMs) {
    long first = Long.MAX_VALUE;
    XorIterator iterator = new XorIterator();
    for (MemSeries series : allSeries()) {
      synchronized (series) {
        for (int c = 0; c < series.closedCount; c++) {
          if (series.closedMaxTimeMs(c) >= fromMs) {
            long chunkMinTimeMs = series.closedMinTimeMs(c);
            first = Math.min(first, chunkMinTimeMs >= fromMs ? chunkMinTimeMs
                : firstAtOrAfter(iterator, chunkMinTimeMs, chunkSpace.copy(series.closedRef(c)), fromMs));
            break; // closed chunks are in time order, and this one holds a sample at or after fromMs
          }
        }
        XorAppender open = series.headChunk;
        if (open != null && open.numSamples() > 0 && open.maxTimeMs() >= fromMs && open.minTimeMs() < first) {
          first = Math.min(first, firstAtOrAfter(iterator, open.minTimeMs(), open.bytes(), fromMs));
        }
        if (series.outOfOrder != null) {
          first = Math.min(first, series.outOfOrder.firstAtOrAfterMs(fromMs, iterator));
        }
      }
    }
    return first;
  }

  private static long firstAtOrAfter(XorIterator iterator, long chunkMinTimeMs, byte[] chunk, long fromMs) {
    if (chunkMinTimeMs >= fromMs) {
      return chunkMinTimeMs;
    }
    iterator.reset(chunk);
    return iterator.seek(fromMs) ? iterator.timestampMs() : Long.MAX_VALUE;
  }

  /** Bytes of native memory the head's closed chunks take, in pages (see {@link HeadChunkSpace}). */
  public long offHeapChunkBytes() {
    return chunkSpace.allocatedBytes();
  }

  /** Earliest timestamp appended, or {@link Long#MAX_VALUE} when empty. */
  public long minTimeMs() {
    return minTimeMs.get();
  }

  /** Latest timestamp appended, or {@link Long#MIN_VALUE} when empty. */
  public long maxTimeMs() {
    return maxTimeMs.get();
  }

  /** Reads the head over {@code [minTimeMs, maxTimeMs]}; label names and values ignore the time range. */
  private final class HeadQuerier implements Querier {
    private final long minTimeMs;
    private final long maxTimeMs;

    HeadQuerier(long minTimeMs, long maxTimeMs) {
      this.minTimeMs = minTimeMs;
      this.maxTimeMs = maxTimeMs;
    }

    @Override
    public List<Series> select(boolean sorted, SelectHints hints, List<Matcher> matchers) {
      List<EncodedSeries> selected = selectChunks(minTimeMs, maxTimeMs, matchers);
      List<Series> out = new ArrayList<>(selected.size());
      for (int i = 0; i < selected.size(); i++) {
        WindowedSeries series = new WindowedSeries(selected.get(i), minTimeMs, maxTimeMs);
        // A chunk can overlap the range without a sample inside it.
        if (series.hasSamples()) {
          out.add(series);
        }
      }
      return out;
    }

    @Override
    public List<String> labelNames(List<Matcher> matchers) {
      if (matchers.isEmpty()) {
        return postings.labelNames();
      }
      TreeSet<String> names = new TreeSet<>();
      for (MemSeries series : postings.select(matchers)) {
        Labels labels = series.labels();
        for (int i = 0; i < labels.size(); i++) {
          names.add(labels.name(i));
        }
      }
      return new ArrayList<>(names);
    }

    @Override
    public List<String> labelValues(String name, List<Matcher> matchers) {
      if (matchers.isEmpty()) {
        return postings.labelValues(name);
      }
      TreeSet<String> values = new TreeSet<>();
      for (MemSeries series : postings.select(matchers)) {
        String value = series.labels().get(name);
        if (!value.isEmpty()) {
          values.add(value);
        }
      }
      return new ArrayList<>(values);
    }
  }
}
