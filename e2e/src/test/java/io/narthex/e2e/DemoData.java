package io.narthex.e2e;

import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A deterministic data set shaped like PromLabs' demo service, which the PromQL compliance queries expect: three
 * instances {@code demo.promlabs.com:1000[0-2]} of job {@code demo} scraped every 5s, with CPU counters (one reset),
 * memory and disk gauges, CPU counts, batch timestamps, an API latency histogram, and an intermittent metric that
 * ends each appearance with a staleness marker as a scrape would.
 *
 * <p>Instance {@code i}'s samples sit {@code 123 + 111*i} ms past a 5s boundary, so no sample falls on a whole
 * second, where the tests evaluate.
 */
final class DemoData {
  static final long SCRAPE_INTERVAL_MS = 5_000;
  private static final String[] CPU_MODES = {"idle", "system", "user"};
  private static final String[] MEMORY_TYPES = {"buffers", "cached", "free", "used"};
  private static final String[] METHODS = {"GET", "POST"};
  private static final String[] PATHS = {"/api/bar", "/api/foo"};
  private static final String[] STATUSES = {"200", "500"};
  private static final String[] BUCKETS = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};

  private DemoData() {}

  /** Remote-write requests covering [startMs, endMs], each holding {@code stepsPerRequest} scrapes. */
  static List<WriteRequest> requests(long startMs, long endMs, int stepsPerRequest) {
    long firstScrape = startMs - Math.floorMod(startMs, SCRAPE_INTERVAL_MS);
    int steps = (int) ((endMs - firstScrape) / SCRAPE_INTERVAL_MS);
    List<WriteRequest> out = new ArrayList<>();
    State[] states = new State[3];
    for (int i = 0; i < 3; i++) {
      states[i] = new State(i);
    }
    for (int from = 0; from < steps; from += stepsPerRequest) {
      Map<Map<String, String>, TimeSeries.Builder> batch = new LinkedHashMap<>();
      for (int step = from; step < Math.min(steps, from + stepsPerRequest); step++) {
        for (State state : states) {
          state.scrape(firstScrape + step * SCRAPE_INTERVAL_MS + 123 + 111L * state.index, step, batch);
        }
      }
      WriteRequest.Builder request = WriteRequest.newBuilder();
      batch.values().forEach(request::addTimeseries);
      out.add(request.build());
    }
    return out;
  }

  /** One instance's counters and random walk. */
  private static final class State {
    final int index;
    final String instance;
    final Random random;
    final int cpus;
    final double[] cpuSeconds = new double[CPU_MODES.length];
    final double[][] bucketCounts = new double[METHODS.length * PATHS.length * STATUSES.length][BUCKETS.length];
    final double[] durationSums = new double[bucketCounts.length];
    double diskBytes;
    double lastBatchSuccessSeconds;

    State(int index) {
      this.index = index;
      this.instance = "demo.promlabs.com:" + (10000 + index);
      this.random = new Random(42 + index);
      this.cpus = 4 + 2 * index;
      this.diskBytes = 1e11 + index * 1e10;
    }

    void scrape(long timestampMs, int step, Map<Map<String, String>, TimeSeries.Builder> batch) {
      double t = timestampMs / 1000.0;
      if (index == 1 && step == 700) {
        java.util.Arrays.fill(cpuSeconds, 0); // a process restart: the counters reset
      }
      for (int m = 0; m < CPU_MODES.length; m++) {
        double share = m == 0 ? 0.7 : m == 1 ? 0.1 : 0.2;
        cpuSeconds[m] += cpus * 5 * share * (0.8 + 0.4 * random.nextDouble());
        add(batch, timestampMs, cpuSeconds[m], "demo_cpu_usage_seconds_total", "mode", CPU_MODES[m]);
      }
      for (int m = 0; m < MEMORY_TYPES.length; m++) {
        double value = Math.round((1 + m) * 1e9 + 3e8 * Math.sin(t / 600 + m + index) + 1e7 * random.nextDouble());
        add(batch, timestampMs, value, "demo_memory_usage_bytes", "type", MEMORY_TYPES[m]);
      }
      diskBytes += 1e5 * random.nextDouble() - (step % 500 == 499 ? 5e8 : 0);
      add(batch, timestampMs, Math.round(diskBytes), "demo_disk_usage_bytes");
      add(batch, timestampMs, 4e11, "demo_disk_total_bytes");
      add(batch, timestampMs, cpus, "demo_num_cpus");
      if (step % 60 == 0) {
        lastBatchSuccessSeconds = Math.floor(t) - random.nextInt(30);
      }
      add(batch, timestampMs, lastBatchSuccessSeconds, "demo_batch_last_success_timestamp_seconds");
      int h = 0;
      for (String method : METHODS) {
        for (String path : PATHS) {
          for (String status : STATUSES) {
            int requests = (status.equals("500") ? 1 : 20) + random.nextInt(10);
            for (int r = 0; r < requests; r++) {
              double latency = Math.exp(-5 + 3 * random.nextDouble() + (status.equals("500") ? 1 : 0));
              durationSums[h] += latency;
              for (int b = 0; b < BUCKETS.length; b++) {
                if (b == BUCKETS.length - 1 || latency <= Double.parseDouble(BUCKETS[b])) {
                  bucketCounts[h][b]++;
                }
              }
            }
            for (int b = 0; b < BUCKETS.length; b++) {
              add(batch, timestampMs, bucketCounts[h][b], "demo_api_request_duration_seconds_bucket",
                  "le", BUCKETS[b], "method", method, "path", path, "status", status);
            }
            add(batch, timestampMs, durationSums[h], "demo_api_request_duration_seconds_sum",
                "method", method, "path", path, "status", status);
            add(batch, timestampMs, bucketCounts[h][BUCKETS.length - 1], "demo_api_request_duration_seconds_count",
                "method", method, "path", path, "status", status);
            h++;
          }
        }
      }
      // Present for 10 minutes out of every 20, staggered by instance; a scrape writes a staleness marker when
      // a series disappears.
      int window = (step + index * 40) % 240;
      if (window < 120) {
        add(batch, timestampMs, random.nextInt(100), "demo_intermittent_metric");
      } else if (window == 120) {
        add(batch, timestampMs, io.narthex.tsdb.storage.StaleMarker.STALE_NAN, "demo_intermittent_metric");
      }
    }

    private void add(Map<Map<String, String>, TimeSeries.Builder> batch, long timestampMs, double value,
        String name, String... labels) {
      Map<String, String> key = new TreeMap<>();
      key.put("__name__", name);
      key.put("instance", instance);
      key.put("job", "demo");
      for (int i = 0; i < labels.length; i += 2) {
        key.put(labels[i], labels[i + 1]);
      }
      batch.computeIfAbsent(key, k -> {
        TimeSeries.Builder series = TimeSeries.newBuilder();
        k.forEach((n, v) -> series.addLabels(Label.newBuilder().setName(n).setValue(v)));
        return series;
      }).addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(value));
    }
  }
}
