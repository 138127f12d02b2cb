package io.narthex.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.proto.prompb.WriteRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Steady remote-write load that remembers what the distributor acknowledged, and reconciles it series by series
 * against a query. Writers own disjoint series ({@code e2e_load{writer, idx}}); each round writes one sample to each
 * of a writer's series in one request, at a timestamp newer than the writer's last, with a value derived from series
 * and timestamp, so a sample read back is checked exactly.
 */
final class AcknowledgedLoad implements AutoCloseable {
  /** Values are (timestamp - VALUE_BASE_MS) * 1000 + series number: integers, exact as doubles. */
  private static final long VALUE_BASE_MS = System.currentTimeMillis() - 3_600_000L;

  /**
   * One push.
   *
   * @param status the HTTP status, or -1 when the request got no answer
   */
  record WriteResult(int writer, long timestampMs, int status, String body, long startNanos, long endNanos) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    /** A server fault, or no answer: what a move may cause, within bounds. */
    boolean serverFault() {
      return status >= 500 || status < 0;
    }

    Duration took() {
      return Duration.ofNanos(endNanos - startNanos);
    }
  }

  /** A query's answer: the samples by series ({@code writer/idx}), and the querier's warnings. */
  record QueryAnswer(Map<String, Map<Long, Double>> samples, List<String> warnings) {}

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final URI pushUri;
  private final String tenant;
  private final int writers;
  private final int seriesPerWriter;
  private final Duration pace;
  private final List<WriteResult> results = Collections.synchronizedList(new ArrayList<>());
  /** For each writer, the timestamps of its rounds that the distributor acknowledged with a 2xx. */
  private final Map<Integer, List<Long>> acked = new ConcurrentHashMap<>();
  private final Map<Integer, Long> lastTimestamp = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  /**
   * @param pace the pause between a writer's rounds
   */
  AcknowledgedLoad(int distributorPort, String tenant, int writers, int seriesPerWriter, Duration pace) {
    this.pushUri = URI.create("http://127.0.0.1:" + distributorPort + "/api/v1/push");
    this.tenant = tenant;
    this.writers = writers;
    this.seriesPerWriter = seriesPerWriter;
    this.pace = pace;
  }

  /** Starts one virtual thread per writer, each writing one round after another. */
  AcknowledgedLoad start() {
    running = true;
    for (int writer = 0; writer < writers; writer++) {
      int w = writer;
      threads.add(Thread.ofVirtual().name("load-" + w).start(() -> {
        while (running) {
          results.add(writeRound(w));
          try {
            Thread.sleep(pace); // paces the load; not a wait for a condition
          } catch (InterruptedException e) {
            return;
          }
        }
      }));
    }
    return this;
  }

  /** Stops the writers once their request in flight is answered. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(Duration.ofSeconds(90));
    }
  }

  /** Every push so far, in the order answered. */
  List<WriteResult> results() {
    synchronized (results) {
      return List.copyOf(results);
    }
  }

  int series() {
    return writers * seriesPerWriter;
  }

  /** Acknowledged samples so far, over every series. */
  long acknowledgedSamples() {
    return acked.values().stream().mapToLong(List::size).sum() * seriesPerWriter;
  }

  /**
   * One round of a writer: one sample for each of its series, in one request, at a timestamp after the writer's
   * last. Records it when acknowledged; only the writers started by {@link #start()} add it to {@link #results()}.
   */
  WriteResult writeRound(int writer) {
    long timestampMs = lastTimestamp.merge(writer, System.currentTimeMillis(), (last, now) -> Math.max(last + 1, now));
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int idx = 0; idx < seriesPerWriter; idx++) {
      request.addTimeseries(RemoteWriteClient.series(
          new String[] {"__name__", "e2e_load", "idx", Integer.toString(idx), "writer", Integer.toString(writer)},
          new long[] {timestampMs}, new double[] {value(writer, idx, timestampMs)}));
    }
    HttpRequest post = HttpRequest.newBuilder(pushUri)
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/x-protobuf")
        .header("Content-Encoding", "snappy")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .header("X-Scope-OrgID", tenant)
        .POST(HttpRequest.BodyPublishers.ofByteArray(RemoteWriteClient.snappy(request.build().toByteArray())))
        .build();
    long start = System.nanoTime();
    int status;
    String body;
    try {
      HttpResponse<String> response = http.send(post, HttpResponse.BodyHandlers.ofString());
      status = response.statusCode();
      body = response.body();
    } catch (java.io.IOException e) {
      status = -1;
      body = e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = -1;
      body = e.toString();
    }
    WriteResult result = new WriteResult(writer, timestampMs, status, body, start, System.nanoTime());
    if (result.ok()) {
      acked.computeIfAbsent(writer, w -> Collections.synchronizedList(new ArrayList<>())).add(timestampMs);
    }
    return result;
  }

  private double value(int writer, int idx, long timestampMs) {
    return (timestampMs - VALUE_BASE_MS) * 1000.0 + writer * seriesPerWriter + idx;
  }

  /**
   * Every sample of every {@code e2e_load} series of the last hour, by series ({@code writer/idx}).
   *
   * @throws AssertionError when the query does not answer 200
   */
  Map<String, Map<Long, Double>> queryAll(int querierPort) {
    return query(querierPort).samples();
  }

  /**
   * As {@link #queryAll(int)}, with the querier's warnings.
   *
   * @throws AssertionError when the query does not answer 200
   */
  QueryAnswer query(int querierPort) {
    PromApi api = new PromApi("http://127.0.0.1:" + querierPort + "/prometheus", tenant);
    String time = String.format("%.3f", (System.currentTimeMillis() + 1_000) / 1000.0);
    PromApi.Response response = api.get("/api/v1/query", "query", "e2e_load[1h]", "time", time);
    if (response.status() != 200 || response.body() == null) {
      throw new AssertionError("query answered " + response.status() + ": " + response.raw());
    }
    Map<String, Map<Long, Double>> samples = new HashMap<>();
    for (JsonNode series : response.body().path("data").path("result")) {
      JsonNode metric = series.get("metric");
      Map<Long, Double> values = samples.computeIfAbsent(
          metric.path("writer").asInt() + "/" + metric.path("idx").asInt(), k -> new HashMap<>());
      for (JsonNode point : series.get("values")) {
        values.put(Math.round(point.get(0).asDouble() * 1000), Double.parseDouble(point.get(1).asText()));
      }
    }
    List<String> warnings = new ArrayList<>();
    response.body().path("warnings").forEach(w -> warnings.add(w.asText()));
    return new QueryAnswer(samples, warnings);
  }

  /** Series by series, the acknowledged samples that {@code samples} lacks or has with another value. */
  List<String> missing(Map<String, Map<Long, Double>> samples) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<Integer, List<Long>> entry : acked.entrySet()) {
      int writer = entry.getKey();
      List<Long> timestamps;
      synchronized (entry.getValue()) {
        timestamps = List.copyOf(entry.getValue());
      }
      for (int idx = 0; idx < seriesPerWriter; idx++) {
        Map<Long, Double> got = samples.getOrDefault(writer + "/" + idx, Map.of());
        List<Long> lacking = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (long timestamp : timestamps) {
          Double value = got.get(timestamp);
          if (value == null) {
            lacking.add(timestamp);
          } else if (value != value(writer, idx, timestamp)) {
            wrong.add(timestamp + "=" + value);
          }
        }
        if (!lacking.isEmpty() || !wrong.isEmpty()) {
          problems.add("e2e_load{writer=\"" + writer + "\",idx=\"" + idx + "\"}: " + lacking.size() + " of "
              + timestamps.size() + " acknowledged samples missing " + head(lacking)
              + (wrong.isEmpty() ? "" : ", wrong values " + head(wrong)));
        }
      }
    }
    return problems;
  }

  private static String head(List<?> list) {
    return list.size() <= 5 ? list.toString() : list.subList(0, 5) + "...";
  }
}
