package io.narthex.promql.promqltest;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SampleIterator;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/** In-memory {@link Queryable} for tests: each series is sorted parallel arrays of timestamps and values. */
public final class FakeStorage implements Queryable {
  private final TreeMap<Labels, long[]> timestamps = new TreeMap<>();
  private final TreeMap<Labels, double[]> values = new TreeMap<>();
  /** Series that hold native-histogram samples in Prometheus (loaded here as staleness markers or not at all). */
  private final Set<Labels> histogramSeries = new HashSet<>();
  private boolean histogramSelected;

  /** Records that {@code labels} holds native-histogram samples in the script. */
  public void markHistogram(Labels labels) {
    histogramSeries.add(labels);
  }

  /** Whether a select since the last {@link #resetHistogramSelected()} matched a native-histogram series. */
  public boolean histogramSelected() {
    return histogramSelected;
  }

  public void resetHistogramSelected() {
    histogramSelected = false;
  }

  /** Appends a sample; samples must be added in timestamp order per series. */
  public void add(Labels labels, long timestampMs, double value) {
    long[] ts = timestamps.get(labels);
    double[] vs = values.get(labels);
    if (ts == null) {
      ts = new long[0];
      vs = new double[0];
    }
    int n = ts.length;
    int pos = Arrays.binarySearch(ts, timestampMs);
    if (pos >= 0) {
      vs[pos] = value;
      return;
    }
    int insert = -pos - 1;
    long[] nts = new long[n + 1];
    double[] nvs = new double[n + 1];
    System.arraycopy(ts, 0, nts, 0, insert);
    System.arraycopy(vs, 0, nvs, 0, insert);
    nts[insert] = timestampMs;
    nvs[insert] = value;
    System.arraycopy(ts, insert, nts, insert + 1, n - insert);
    System.arraycopy(vs, insert, nvs, insert + 1, n - insert);
    timestamps.put(labels, nts);
    values.put(labels, nvs);
  }

  public void clear() {
    timestamps.clear();
    values.clear();
    histogramSeries.clear();
  }

  @Override
  public Querier querier(long minTimeMs, long maxTimeMs) {
    return new Querier() {
      @Override
      public List<Series> select(boolean sorted, SelectHints hints, List<Matcher> matchers) {
        List<Series> out = new ArrayList<>();
        for (Labels l : histogramSeries) {
          if (matchesAll(l, matchers)) {
            histogramSelected = true;
            break;
          }
        }
        for (Labels l : timestamps.keySet()) {
          boolean ok = true;
          for (Matcher m : matchers) {
            if (!m.matches(l.get(m.name()))) {
              ok = false;
              break;
            }
          }
          if (!ok) {
            continue;
          }
          long[] ts = timestamps.get(l);
          double[] vs = values.get(l);
          if (ts.length == 0 || ts[ts.length - 1] < minTimeMs || ts[0] > maxTimeMs) {
            continue;
          }
          out.add(new Series() {
            @Override
            public Labels labels() {
              return l;
            }

            @Override
            public SampleIterator iterator() {
              return new ArrayIterator(ts, vs);
            }
          });
        }
        return out;
      }

      @Override
      public List<String> labelNames(List<Matcher> matchers) {
        return List.of();
      }

      @Override
      public List<String> labelValues(String name, List<Matcher> matchers) {
        return List.of();
      }
    };
  }

  private static boolean matchesAll(Labels l, List<Matcher> matchers) {
    for (Matcher m : matchers) {
      if (!m.matches(l.get(m.name()))) {
        return false;
      }
    }
    return true;
  }

  private static final class ArrayIterator implements SampleIterator {
    private final long[] ts;
    private final double[] vs;
    private int i = -1;

    ArrayIterator(long[] ts, double[] vs) {
      this.ts = ts;
      this.vs = vs;
    }

    @Override
    public boolean next() {
      return ++i < ts.length;
    }

    @Override
    public boolean seek(long timestampMs) {
      if (i < 0) {
        i = 0;
      }
      while (i < ts.length && ts[i] < timestampMs) {
        i++;
      }
      return i < ts.length;
    }

    @Override
    public long timestampMs() {
      return ts[i];
    }

    @Override
    public double value() {
      return vs[i];
    }
  }
}
