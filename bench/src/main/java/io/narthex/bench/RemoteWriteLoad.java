package io.narthex.bench;

import io.airlift.compress.snappy.SnappyCompressor;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A remote-write load generator: {@code --series} series, each sending one sample per round at an advancing
 * timestamp, in requests of {@code --series-per-request} series (Prometheus 3.x sends 2000 samples per request),
 * from {@code --senders} concurrent senders, for {@code --seconds}. Prints accepted samples per second.
 *
 * <p>Targets loopback addresses only: the load is bounded in time and stops by itself.
 */
public final class RemoteWriteLoad {
  private RemoteWriteLoad() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = parse(args);
    String url = options.getOrDefault("url", "http://127.0.0.1:9009/api/v1/push");
    String tenant = options.getOrDefault("tenant", "bench");
    int seriesCount = Integer.parseInt(options.getOrDefault("series", "100000"));
    int seriesPerRequest = Integer.parseInt(options.getOrDefault("series-per-request", "2000"));
    int senders = Integer.parseInt(options.getOrDefault("senders", "4"));
    int seconds = Integer.parseInt(options.getOrDefault("seconds", "30"));
    String host = URI.create(url).getHost();
    if (!host.equals("localhost") && !host.startsWith("127.") && !host.equals("[::1]")) {
      throw new IllegalArgumentException("the load generator only targets loopback addresses, not " + host);
    }

    List<List<Label>> labelSets = new ArrayList<>(seriesCount);
    for (int i = 0; i < seriesCount; i++) {
      labelSets.add(List.of(
          label("__name__", "bench_metric_" + (i % 100)),
          label("instance", "host-" + (i / 100 % 1000) + ":9100"),
          label("job", "bench"),
          label("series", Integer.toString(i))));
    }
    int requestsPerRound = (seriesCount + seriesPerRequest - 1) / seriesPerRequest;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicLong acceptedSamples = new AtomicLong();
    AtomicLong failedRequests = new AtomicLong();
    Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    long startNanos = System.nanoTime();
    long deadlineNanos = startNanos + Duration.ofSeconds(seconds).toNanos();
    long baseTimestampMs = System.currentTimeMillis() - Duration.ofHours(1).toMillis();

    List<Thread> threads = new ArrayList<>();
    for (int sender = 0; sender < senders; sender++) {
      int senderIndex = sender;
      threads.add(Thread.ofPlatform().start(() -> {
        SnappyCompressor compressor = new SnappyCompressor();
        // Each sender owns a disjoint slice of the requests, so every series' samples stay in order.
        for (int round = 0; System.nanoTime() < deadlineNanos; round++) {
          long timestampMs = baseTimestampMs + round * 1000L;
          for (int r = senderIndex; r < requestsPerRound && System.nanoTime() < deadlineNanos; r += senders) {
            WriteRequest.Builder request = WriteRequest.newBuilder();
            int from = r * seriesPerRequest;
            int to = Math.min(seriesCount, from + seriesPerRequest);
            for (int s = from; s < to; s++) {
              request.addTimeseries(TimeSeries.newBuilder()
                  .addAllLabels(labelSets.get(s))
                  .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(round + s)));
            }
            byte[] raw = request.build().toByteArray();
            byte[] compressed = new byte[compressor.maxCompressedLength(raw.length)];
            int length = compressor.compress(raw, 0, raw.length, compressed, 0, compressed.length);
            try {
              HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                      .header("Content-Type", "application/x-protobuf")
                      .header("Content-Encoding", "snappy")
                      .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                      .header("X-Scope-OrgID", tenant)
                      .POST(HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(compressed, length)))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
              statuses.computeIfAbsent(response.statusCode(), k -> new AtomicLong()).incrementAndGet();
              if (response.statusCode() == 200) {
                acceptedSamples.addAndGet(to - from);
              } else {
                failedRequests.incrementAndGet();
              }
            } catch (Exception e) {
              failedRequests.incrementAndGet();
            }
          }
        }
      }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf("series=%d senders=%d series_per_request=%d seconds=%.1f accepted_samples=%d"
            + " failed_requests=%d statuses=%s%n",
        seriesCount, senders, seriesPerRequest, elapsedSeconds, acceptedSamples.get(), failedRequests.get(), statuses);
    System.out.printf("ingest: %.0f samples/s%n", acceptedSamples.get() / elapsedSeconds);
  }

  private static Label label(String name, String value) {
    return Label.newBuilder().setName(name).setValue(value).build();
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> out = new java.util.HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      out.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    return out;
  }
}
