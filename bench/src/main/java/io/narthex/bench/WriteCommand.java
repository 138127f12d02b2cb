package io.narthex.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The remote-write load generator: sends synthetic series (see {@link LabelShape}) to a push endpoint on loopback
 * (or to several in turn, as to the distributors of Mimir's monolithic mode) as fast as they accept them (or at
 * {@code --rate-limit}), one sample per series per round, timestamps advancing by {@code --interval} per round.
 * Each sender owns a fixed set of batches, so every series' samples go out in time order. Requests are encoded per
 * round into reused buffers from labels encoded once per series.
 */
@Command(name = "write", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Remote-write synthetic series to a Narthex (or Prometheus) on loopback and report samples/s.")
final class WriteCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

  @Spec
  CommandSpec spec;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:9009/api/v1/push", split = ",",
      description = "Remote-write endpoint (loopback only); several, comma-separated, take the requests in turn"
          + " (each sender starts at its own), as distributors behind a load balancer. Default: ${DEFAULT-VALUE}.")
  List<String> urls;

  @Option(names = "--header", paramLabel = "K:V", description = "Extra request header, repeatable (e.g. X-Scope-OrgID:t1).")
  List<String> headers = new ArrayList<>();

  @Option(names = "--series", defaultValue = "100000", description = "Active series. Default: ${DEFAULT-VALUE}.")
  int series;

  @Option(names = "--label-shape", defaultValue = "node",
      description = "node (node-exporter-like targets) or kube (pods). Default: ${DEFAULT-VALUE}.")
  LabelShape labelShape;

  @Option(names = "--interval", defaultValue = "15s", converter = TimeArgs.DurationConverter.class,
      description = "Sample interval: timestamps advance by it each round. Default: ${DEFAULT-VALUE}.")
  Duration interval;

  @Option(names = "--churn-per-minute", defaultValue = "0",
      description = "Series replaced per minute of generated time (whole targets get a new instance). Default: ${DEFAULT-VALUE}.")
  double churnPerMinute;

  @Option(names = "--tenants", defaultValue = "1",
      description = "Tenants bench-0..n-1 (X-Scope-OrgID) sharing the series, unless --header sets X-Scope-OrgID. Default: ${DEFAULT-VALUE}.")
  int tenants;

  @Option(names = "--concurrency", defaultValue = "4", description = "Senders (connections). Default: ${DEFAULT-VALUE}.")
  int concurrency;

  @Option(names = "--duration", defaultValue = "30s", converter = TimeArgs.DurationConverter.class,
      description = "How long to send. Default: ${DEFAULT-VALUE}.")
  Duration duration;

  @Option(names = "--samples-per-request", defaultValue = "2000",
      description = "Series (one sample each) per request, at most 2000. Default: ${DEFAULT-VALUE}.")
  int samplesPerRequest;

  @Option(names = "--rate-limit", defaultValue = "0",
      description = "Samples/s across all senders; 0 sends as fast as the target accepts. Default: ${DEFAULT-VALUE}.")
  double rateLimit;

  @Option(names = "--null-sink",
      description = "Send to an in-process loopback server that discards everything: the generator's own ceiling.")
  boolean nullSink;

  @Option(names = "--start-time",
      description = "First sample's time (RFC 3339 or Unix seconds). Default: now minus the generated span (1h of"
          + " rounds, or what --rate-limit will generate), so samples are recent; against a real target rounds"
          + " stop at now.")
  String startTime;

  @Option(names = "--run-id",
      description = "The bench_run label value of every series; default a random one per run. Giving two systems the"
          + " same run id and --start-time sends both the same samples (bench/dashboard.sh compares their answers).")
  String runIdOption;

  @Option(names = "--verify-url",
      description = "Prometheus API base (e.g. http://127.0.0.1:9009/prometheus): after the run, compare the samples"
          + " it counts per tenant with the acknowledged ones; exit code 1 on mismatch.")
  String verifyUrl;

  @Option(names = "--json", description = "Also print the summary as one JSON line.")
  boolean json;

  /** Samples the target acknowledged so far; read by {@link RulesCommand} at its phase boundaries. */
  final AtomicLong acceptedSamples = new AtomicLong();
  private volatile boolean stopRequested;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong errorRequests = new AtomicLong();
  private final AtomicLong bodyBytes = new AtomicLong();
  private final AtomicLong sentSamples = new AtomicLong();
  private final AtomicLong lastTimestampMs = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong rounds = new AtomicLong();
  private final Map<String, ErrorCount> errors = new ConcurrentHashMap<>();
  private final LatencyHistogram latency = new LatencyHistogram();
  private final LatencyHistogram window = new LatencyHistogram();
  private final java.util.concurrent.atomic.AtomicReference<Throwable> senderFailure =
      new java.util.concurrent.atomic.AtomicReference<>();
  private volatile boolean reachedNow;
  /** Per sender, System.nanoTime() once its batches of round 0 and of round 1 were answered (0 until then). */
  private AtomicLongArray roundDoneNanos;

  private static final class ErrorCount {
    final AtomicLong count = new AtomicLong();
    final String firstMessage;

    ErrorCount(String firstMessage) {
      this.firstMessage = firstMessage;
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (samplesPerRequest < 1 || samplesPerRequest > 2000) {
      throw new IllegalArgumentException("--samples-per-request must be within 1..2000, got " + samplesPerRequest);
    }
    if (series < 1 || concurrency < 1 || tenants < 1 || interval.toMillis() < 1) {
      throw new IllegalArgumentException("--series, --concurrency, --tenants and --interval must be positive");
    }
    Map<String, String> extraHeaders = Loopback.headers(headers);
    List<String> tenantIds = new ArrayList<>();
    String headerTenant = Loopback.header(extraHeaders, "X-Scope-OrgID");
    if (headerTenant != null) {
      tenantIds.add(headerTenant);
    } else {
      for (int i = 0; i < tenants; i++) {
        tenantIds.add("bench-" + i);
      }
    }

    long intervalMs = interval.toMillis();
    long nowMs = System.currentTimeMillis();
    long plannedRounds = rateLimit > 0
        ? Math.max(1, (long) Math.ceil(rateLimit * duration.toMillis() / 1000.0 / series))
        : Math.max(1, Duration.ofHours(1).toMillis() / intervalMs);
    long startMs = startTime == null ? nowMs - plannedRounds * intervalMs : TimeArgs.timeMs(startTime, nowMs);
    String runId = runIdOption != null ? runIdOption
        : HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
    SeriesPlan plan = new SeriesPlan(labelShape, runId, series, tenantIds.size(), samplesPerRequest,
        churnPerMinute * intervalMs / 60_000.0);
    AtomicLongArray acceptedPerTenant = new AtomicLongArray(tenantIds.size());

    NullSink sink = nullSink ? new NullSink() : null;
    try {
      List<URI> targets = new ArrayList<>();
      for (String url : sink != null ? List.of(sink.pushUrl()) : urls) {
        targets.add(Loopback.requireLoopback(url));
      }
      String targetNames = String.join(",", targets.stream().map(URI::toString).toList());
      out.printf("write: %d series (%s shape, run %s), %d tenant(s), %d senders, %d per request, interval %ds,"
              + " %s, start %s -> %s%n",
          series, labelShape, runId, tenantIds.size(), concurrency, samplesPerRequest, intervalMs / 1000,
          duration, Instant.ofEpochMilli(startMs), sink != null ? "null sink" : targetNames);
      out.flush();

      roundDoneNanos = new AtomicLongArray(2 * concurrency);
      long startNanos = System.nanoTime();
      long deadlineNanos = startNanos + duration.toNanos();
      List<Thread> senders = new ArrayList<>();
      for (int s = 0; s < concurrency; s++) {
        int sender = s;
        senders.add(Thread.ofPlatform().name("bench-write-" + s).start(() -> {
          try {
            send(sender, plan, targets, extraHeaders, tenantIds, acceptedPerTenant, startMs, intervalMs, startNanos,
                deadlineNanos, sink == null);
          } catch (RuntimeException | Error e) {
            senderFailure.compareAndSet(null, e);
          }
        }));
      }
      progressUntilDone(out, senders, startNanos);
      if (senderFailure.get() != null) {
        throw new IllegalStateException("a sender failed", senderFailure.get());
      }
      double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;

      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("mode", "write");
      summary.put("url", sink != null ? "null-sink" : targetNames);
      summary.put("run_id", runId);
      summary.put("series", series);
      summary.put("label_shape", labelShape.name());
      summary.put("tenants", tenantIds.size());
      summary.put("concurrency", concurrency);
      summary.put("samples_per_request", samplesPerRequest);
      summary.put("elapsed_seconds", round(elapsedSeconds, 2));
      summary.put("rounds", rounds.get());
      summary.put("start_time_ms", startMs);
      summary.put("last_sample_time_ms", lastTimestampMs.get() == Long.MIN_VALUE ? null : lastTimestampMs.get());
      summary.put("reached_now", reachedNow);
      summary.put("requests", requests.get());
      summary.put("accepted_samples", acceptedSamples.get());
      summary.put("accepted_per_tenant", AcknowledgedSamples.perTenant(tenantIds, acceptedPerTenant));
      summary.put("samples_per_second", Math.round(acceptedSamples.get() / elapsedSeconds));
      // Every series is new in round 0: the target creates them all, the series-creation rate of a fresh target.
      int activeSenders = Math.min(concurrency, plan.batches().size());
      double firstRoundSeconds = roundDoneSeconds(0, activeSenders, startNanos);
      double secondRoundSeconds = roundDoneSeconds(1, activeSenders, startNanos);
      summary.put("first_round_seconds", firstRoundSeconds < 0 ? null : round(firstRoundSeconds, 3));
      summary.put("new_series_per_second", firstRoundSeconds <= 0 ? null : Math.round(series / firstRoundSeconds));
      summary.put("second_round_seconds", secondRoundSeconds < 0 || firstRoundSeconds < 0 ? null
          : round(secondRoundSeconds - firstRoundSeconds, 3));
      summary.put("compressed_bytes_per_sample",
          sentSamples.get() == 0 ? 0 : round((double) bodyBytes.get() / sentSamples.get(), 2));
      summary.put("latency_p50_ms", round(latency.quantileMillis(0.5), 2));
      summary.put("latency_p99_ms", round(latency.quantileMillis(0.99), 2));
      // Short names for scripts (bench/compare.sh reads these).
      summary.put("p50_ms", summary.get("latency_p50_ms"));
      summary.put("p99_ms", summary.get("latency_p99_ms"));
      summary.put("error_requests", errorRequests.get());
      Map<String, Object> errorSummary = new LinkedHashMap<>();
      errors.forEach((status, error) -> errorSummary.put(status,
          Map.of("count", error.count.get(), "first_message", error.firstMessage)));
      summary.put("errors", errorSummary);

      boolean mismatch = false;
      if (verifyUrl != null) {
        Map<String, Object> verification = new AcknowledgedSamples(runId, startMs, lastTimestampMs.get(),
            AcknowledgedSamples.perTenant(tenantIds, acceptedPerTenant), extraHeaders).check(verifyUrl);
        summary.put("verification", verification);
        mismatch = !"match".equals(verification.get("result"));
      }

      out.printf("accepted samples: %d in %.1fs (%d rounds)%n", acceptedSamples.get(), elapsedSeconds, rounds.get());
      out.printf("samples/s: %d%n", summary.get("samples_per_second"));
      if (firstRoundSeconds > 0) {
        out.printf("first round, every series new: %d series in %.2fs, %d new series/s%s%n", series,
            firstRoundSeconds, summary.get("new_series_per_second"), secondRoundSeconds < 0 ? ""
                : String.format(" (second round: %.2fs more)", secondRoundSeconds - firstRoundSeconds));
      }
      out.printf("requests: %d, latency p50 %.2f ms, p99 %.2f ms, %.2f compressed bytes/sample%n", requests.get(),
          latency.quantileMillis(0.5), latency.quantileMillis(0.99), summary.get("compressed_bytes_per_sample"));
      out.printf("errors: %d requests%n", errorRequests.get());
      errors.forEach((status, error) -> out.printf("  %s x%d: %s%n", status, error.count.get(), error.firstMessage));
      if (reachedNow) {
        out.println("note: generated data reached the current time, so the run ended early; use --start-time"
            + " further back or a smaller --series for longer runs");
      }
      if (summary.get("verification") instanceof Map<?, ?> verification) {
        out.printf("verification: %s %s%n", verification.get("result"), verification.get("tenants"));
      }
      if (json) {
        out.println(JSON.writeValueAsString(summary));
      }
      out.flush();
      return mismatch ? 1 : 0;
    } finally {
      if (sink != null) {
        sink.close();
      }
    }
  }

  private void send(int sender, SeriesPlan plan, List<URI> targets, Map<String, String> extraHeaders,
      List<String> tenantIds, AtomicLongArray acceptedPerTenant, long startMs, long intervalMs, long startNanos,
      long deadlineNanos, boolean stopAtNow) {
    HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    WriteRequestEncoder encoder = new WriteRequestEncoder();
    SeriesPlan.LabelCache labels = plan.newLabelCache();
    List<SeriesPlan.Batch> batches = plan.batches();
    double samplesPerNanoPerSender = rateLimit / concurrency / 1e9;
    long sentSamples = 0;
    int nextTarget = sender % targets.size();
    if (sender >= batches.size()) {
      return;
    }
    for (long round = 0; System.nanoTime() < deadlineNanos && !stopRequested; round++) {
      long timestampMs = startMs + round * intervalMs;
      if (stopAtNow && timestampMs > System.currentTimeMillis()) {
        reachedNow = true;
        return;
      }
      for (int b = sender; b < batches.size(); b += concurrency) {
        if (System.nanoTime() >= deadlineNanos || stopRequested) {
          return;
        }
        SeriesPlan.Batch batch = batches.get(b);
        labels.encode(encoder, batch, round, timestampMs);
        if (rateLimit > 0) {
          long dueNanos = startNanos + (long) (sentSamples / samplesPerNanoPerSender);
          long waitNanos = dueNanos - System.nanoTime();
          if (waitNanos > 0) {
            if (dueNanos >= deadlineNanos) {
              return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(waitNanos);
          }
        }
        sentSamples += batch.size();
        HttpRequest.Builder request = HttpRequest.newBuilder(targets.get(nextTarget))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/x-protobuf")
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Write-Version", "0.1.0")
            .header("User-Agent", "narthex-bench");
        extraHeaders.forEach(request::header);
        if (Loopback.header(extraHeaders, "X-Scope-OrgID") == null) {
          request.header("X-Scope-OrgID", tenantIds.get(batch.tenant()));
        }
        request.POST(HttpRequest.BodyPublishers.ofByteArray(encoder.compressed(), 0, encoder.compressedLength()));
        nextTarget = (nextTarget + 1) % targets.size();
        long sendNanos = System.nanoTime();
        String errorKey = null;
        String errorMessage = null;
        try {
          HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() / 100 == 2) {
            acceptedSamples.addAndGet(batch.size());
            acceptedPerTenant.addAndGet(batch.tenant(), batch.size());
          } else {
            errorKey = Integer.toString(response.statusCode());
            errorMessage = response.body().strip();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception e) {
          errorKey = "transport";
          errorMessage = e.toString();
        }
        long nanos = System.nanoTime() - sendNanos;
        latency.record(nanos);
        window.record(nanos);
        requests.incrementAndGet();
        bodyBytes.addAndGet(encoder.compressedLength());
        this.sentSamples.addAndGet(batch.size());
        lastTimestampMs.accumulateAndGet(timestampMs, Math::max);
        if (errorKey != null) {
          errorRequests.incrementAndGet();
          String message = errorMessage.length() > 300 ? errorMessage.substring(0, 300) + "..." : errorMessage;
          errors.computeIfAbsent(errorKey, k -> new ErrorCount(message)).count.incrementAndGet();
        }
      }
      if (sender == 0) {
        rounds.set(round + 1);
      }
      if (round < 2) {
        roundDoneNanos.set(2 * sender + (int) round, System.nanoTime());
      }
    }
  }

  /**
   * Seconds from {@code startNanos} until every sender with batches had its batches of {@code round} (0 or 1)
   * answered, errors included (see {@code error_requests}); -1 when one did not get that far.
   */
  private double roundDoneSeconds(int round, int activeSenders, long startNanos) {
    long lastNanos = Long.MIN_VALUE;
    for (int sender = 0; sender < activeSenders; sender++) {
      long doneNanos = roundDoneNanos.get(2 * sender + round);
      if (doneNanos == 0) {
        return -1;
      }
      lastNanos = Math.max(lastNanos, doneNanos);
    }
    return lastNanos == Long.MIN_VALUE ? -1 : (lastNanos - startNanos) / 1e9;
  }

  /** Makes the senders return before {@code --duration} is over, after their request under way. */
  void stop() {
    stopRequested = true;
  }

  private void progressUntilDone(PrintWriter out, List<Thread> senders, long startNanos)
      throws InterruptedException {
    long lastSamples = 0;
    long lastNanos = startNanos;
    for (Thread sender : senders) {
      while (sender.isAlive()) {
        sender.join(Math.max(1, (lastNanos + PROGRESS_EVERY.toNanos() - System.nanoTime()) / 1_000_000));
        long now = System.nanoTime();
        if (now - lastNanos >= PROGRESS_EVERY.toNanos()) {
          long samples = acceptedSamples.get();
          LatencyHistogram recent = window.drain();
          out.printf("[%5.1fs] %,d samples/s, p99 %.1f ms, %d errors%n", (now - startNanos) / 1e9,
              Math.round((samples - lastSamples) / ((now - lastNanos) / 1e9)), recent.quantileMillis(0.99),
              errorRequests.get());
          out.flush();
          lastSamples = samples;
          lastNanos = now;
        }
      }
    }
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }
}
