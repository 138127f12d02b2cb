package io.narthex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.ruler.eval.GroupSchedule;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The ruler benchmark (issue 15): remote-writes {@code --series} series at a scrape-like rate in the background
 * (the {@code write} generator in this process), measures the target's CPU with no rules, loads {@code --groups}
 * recording-rule groups of {@code --rules-per-group} rules through the rules config API, and then measures how late
 * each group's evaluations finish, missed iterations, and the target's CPU per rule evaluation above the ingest-only
 * baseline.
 *
 * <p>Lag of one evaluation: {@code lastEvaluation + evaluationTime} from {@code GET /api/v1/rules} minus the instant it
 * was scheduled for, which is Prometheus's {@code k × interval + offset} with the offset hashed from the group's name
 * and Mimir's file {@code data-ruler/<tenant>/<namespace>} (XXH64, as {@code rules.Group.hash}).
 */
@Command(name = "rules", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Load recording rules into a Narthex under remote-write load; report evaluation lag and CPU per rule.")
final class RulesCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long NANOS = 1_000_000_000L;

  @Spec
  CommandSpec spec;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:9009",
      description = "Narthex base URL (loopback only): /api/v1/push, /prometheus and /metrics under it. Default: ${DEFAULT-VALUE}.")
  String url;

  @Option(names = "--tenant", defaultValue = "bench-0", description = "X-Scope-OrgID of writes and rules. Default: ${DEFAULT-VALUE}.")
  String tenant;

  @Option(names = "--series", defaultValue = "100000", description = "Active series written. Default: ${DEFAULT-VALUE}.")
  int series;

  @Option(names = "--write-rate", defaultValue = "0",
      description = "Samples/s written; 0 is one sample per series per --interval (a scrape). Default: ${DEFAULT-VALUE}.")
  double writeRate;

  @Option(names = "--groups", defaultValue = "500", description = "Rule groups. Default: ${DEFAULT-VALUE}.")
  int groups;

  @Option(names = "--rules-per-group", defaultValue = "20", description = "Recording rules per group. Default: ${DEFAULT-VALUE}.")
  int rulesPerGroup;

  @Option(names = "--namespaces", defaultValue = "10", description = "Namespaces the groups are spread over. Default: ${DEFAULT-VALUE}.")
  int namespaces;

  @Option(names = "--interval", defaultValue = "15s", converter = TimeArgs.DurationConverter.class,
      description = "Groups' evaluation interval and the write interval. Default: ${DEFAULT-VALUE}.")
  Duration interval;

  @Option(names = "--warmup", defaultValue = "30s", converter = TimeArgs.DurationConverter.class,
      description = "Before each measured phase: series creation, then the groups' first evaluations. Default: ${DEFAULT-VALUE}.")
  Duration warmup;

  @Option(names = "--baseline", defaultValue = "60s", converter = TimeArgs.DurationConverter.class,
      description = "Measured phase with writes and no rules. Default: ${DEFAULT-VALUE}.")
  Duration baseline;

  @Option(names = "--duration", defaultValue = "180s", converter = TimeArgs.DurationConverter.class,
      description = "Measured phase with the rules. Default: ${DEFAULT-VALUE}.")
  Duration duration;

  @Option(names = "--poll", defaultValue = "5s", converter = TimeArgs.DurationConverter.class,
      description = "How often /api/v1/rules is read for evaluation times. Default: ${DEFAULT-VALUE}.")
  Duration poll;

  @Option(names = "--json", description = "Also print the summary as one JSON line.")
  boolean json;

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  /** The counters read from {@code /metrics} at a phase boundary. */
  record Counters(long nanoTime, double cpuSeconds, double evaluations, double evaluationFailures,
      double iterationsMissed, double evaluationsMissed, double lastEvaluationSamples) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (groups < 1 || rulesPerGroup < 1 || namespaces < 1 || series < LabelShape.FAMILY_SERIES) {
      throw new IllegalArgumentException("--groups, --rules-per-group, --namespaces must be positive and --series"
          + " at least " + LabelShape.FAMILY_SERIES);
    }
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    Loopback.requireLoopback(base);
    double rate = writeRate > 0 ? writeRate : series * 1000.0 / interval.toMillis();
    Duration total = warmup.multipliedBy(2).plus(baseline).plus(duration).plus(Duration.ofMinutes(1));

    // Paced at one round per interval, round k goes out at about start + k × interval: 5 s in the past keeps its
    // samples 5 s to 5 s + interval old, as a scrape's are, and rounds never reach now (where write stops). Older
    // samples would leave rate(x[1m]) with one sample in its window, and so make rules cheap and empty.
    WriteCommand write = new WriteCommand();
    long startSeconds = System.currentTimeMillis() / 1000 - 5;
    Thread writer = Thread.ofPlatform().name("bench-rules-write").start(() -> new CommandLine(write)
        .setOut(new PrintWriter(Writer.nullWriter()))
        .execute( "--url=" + base + "/api/v1/push", "--header=X-Scope-OrgID:" + tenant,
            "--series=" + series, "--rate-limit=" + rate, "--interval=" + interval.toMillis() + "ms",
            "--start-time=" + startSeconds, "--concurrency=2", "--duration=" + total.toSeconds() + "s"));
    out.printf("rules: %d series at %.0f samples/s; %d groups x %d rules every %ds, tenant %s -> %s%n",
        series, rate, groups, rulesPerGroup, interval.toSeconds(), tenant, base);
    try {
      sleep(warmup);
      long accepted0 = write.acceptedSamples.get();
      Counters before = counters(base);
      sleep(baseline);
      Counters afterBaseline = counters(base);
      long accepted1 = write.acceptedSamples.get();
      double baselineSeconds = seconds(before, afterBaseline);
      double baselineCpuPerSecond = (afterBaseline.cpuSeconds - before.cpuSeconds) / baselineSeconds;
      out.printf("baseline: %.3f CPU s/s, %.0f samples/s written%n", baselineCpuPerSecond,
          (accepted1 - accepted0) / baselineSeconds);

      loadRules(base);
      out.printf("loaded %d rules%n", groups * rulesPerGroup);
      sleep(warmup);
      Counters start = counters(base);
      long accepted2 = write.acceptedSamples.get();
      List<Long> lagNanos = new ArrayList<>();
      List<Long> startDelayNanos = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      int[] unhealthy = {0};
      String[] firstError = {null};
      long endNanos = System.nanoTime() + duration.toNanos();
      while (System.nanoTime() < endNanos) {
        long nextPoll = System.nanoTime() + poll.toNanos();
        collectEvaluations(base, seen, lagNanos, startDelayNanos, unhealthy, firstError);
        sleep(Duration.ofNanos(Math.min(nextPoll, endNanos) - System.nanoTime()));
      }
      Counters end = counters(base);
      long accepted3 = write.acceptedSamples.get();

      double ruleSeconds = seconds(start, end);
      double evaluations = end.evaluations - start.evaluations;
      double cpuAboveBaseline = end.cpuSeconds - start.cpuSeconds - baselineCpuPerSecond * ruleSeconds;
      long[] lags = sorted(lagNanos);
      long[] delays = sorted(startDelayNanos);
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("mode", "rules");
      summary.put("series", series);
      summary.put("rules", groups * rulesPerGroup);
      summary.put("groups", groups);
      summary.put("interval_seconds", interval.toSeconds());
      summary.put("baseline_cpu_seconds_per_second", round(baselineCpuPerSecond));
      summary.put("rules_cpu_seconds_per_second", round((end.cpuSeconds - start.cpuSeconds) / ruleSeconds));
      summary.put("rule_evaluations", (long) evaluations);
      summary.put("expected_rule_evaluations",
          Math.round(groups * rulesPerGroup * ruleSeconds / (interval.toMillis() / 1000.0)));
      summary.put("rule_evaluation_failures", (long) (end.evaluationFailures - start.evaluationFailures));
      summary.put("iterations_missed", (long) (end.iterationsMissed - start.iterationsMissed));
      summary.put("rule_evaluations_missed", (long) (end.evaluationsMissed - start.evaluationsMissed));
      // What the rules wrote in one round of all groups: checks that they selected data.
      summary.put("output_samples_per_round", (long) end.lastEvaluationSamples);
      summary.put("cpu_ms_per_rule_evaluation", evaluations > 0 ? round(cpuAboveBaseline * 1000 / evaluations) : null);
      summary.put("group_evaluations_observed", lags.length);
      summary.put("lag_p50_ms", quantileMillis(lags, 0.5));
      summary.put("lag_p99_ms", quantileMillis(lags, 0.99));
      summary.put("lag_max_ms", quantileMillis(lags, 1));
      summary.put("start_delay_p99_ms", quantileMillis(delays, 0.99));
      summary.put("unhealthy_rules_last_poll", unhealthy[0]);
      summary.put("first_rule_error", firstError[0]);
      summary.put("baseline_samples_per_second", Math.round((accepted1 - accepted0) / baselineSeconds));
      summary.put("with_rules_samples_per_second", Math.round((accepted3 - accepted2) / ruleSeconds));
      summary.forEach((name, value) -> out.printf("%s: %s%n", name, value));
      if (json) {
        out.println(JSON.writeValueAsString(summary));
      }
      out.flush();
      return 0;
    } finally {
      write.stop();
      deleteRules(base);
      writer.join(Duration.ofSeconds(40));
    }
  }

  /** The rule group {@code g} as the YAML body of a rules config API POST. */
  String groupYaml(int g) {
    StringBuilder yaml = new StringBuilder();
    yaml.append("name: g").append(g).append('\n');
    yaml.append("interval: ").append(interval.toMillis()).append("ms\n");
    // Each group's output series are its own, as when every team records for its own services.
    yaml.append("labels:\n  bench_rule_group: g").append(g).append('\n');
    yaml.append("rules:\n");
    for (int k = 0; k < rulesPerGroup; k++) {
      String[] rule = rule(g * rulesPerGroup + k, k);
      yaml.append("  - record: ").append(rule[0]).append('\n');
      yaml.append("    expr: '").append(rule[1].replace("'", "''")).append("'\n");
    }
    return yaml.toString();
  }

  /**
   * Rule {@code r} (k-th of its group) as {record, expr}: half of a group select one series of one target, 30% the
   * 6 or 8 series of one target, 20% some 700 to 1050 series of a zone, cluster or region (with 100k series).
   */
  String[] rule(int r, int k) {
    int targets = Math.max(1, series / LabelShape.FAMILY_SERIES);
    int t = (int) ((long) r * 7919 % targets);
    String instance = "ip-10-" + (t >> 16 & 0xff) + "-" + (t >> 8 & 0xff) + "-" + (t & 0xff) + ".ec2.internal:9100";
    String cluster = "prod-" + (char) ('a' + r % 4);
    String region = new String[] {"us-east-1", "eu-west-1", "ap-southeast-2"}[r % 3];
    String zone = region + (char) ('a' + r / 3 % 3);
    return switch (k % 20) {
      case 0, 2, 4, 6, 8 -> new String[] {"instance:bench_network_receive_bytes:rate1m",
          "sum by (instance) (rate(bench_network_receive_bytes_total{instance=\"" + instance
              + "\", device=\"eth0\"}[1m]))"};
      case 1, 3, 5, 7, 9 -> new String[] {"instance:bench_memory_usage_bytes:max",
          "max by (instance) (bench_memory_usage_bytes{instance=\"" + instance + "\"})"};
      case 10, 12, 14 -> new String[] {"instance_mode:bench_cpu_seconds:rate1m",
          "sum by (instance, mode) (rate(bench_cpu_seconds_total{instance=\"" + instance + "\"}[1m]))"};
      case 11, 13, 15 -> new String[] {"instance_code:bench_requests:rate1m",
          "sum by (instance, code) (rate(bench_requests_total{instance=\"" + instance + "\"}[1m]))"};
      case 16 -> new String[] {"job_zone:bench_requests_5xx:rate1m",
          "sum by (job, availability_zone) (rate(bench_requests_total{availability_zone=\"" + zone
              + "\", code=~\"5..\"}[1m]))"};
      case 17 -> new String[] {"cluster:bench_requests_get_500:rate1m",
          "sum by (cluster) (rate(bench_requests_total{cluster=\"" + cluster + "\", method=\"GET\", code=\"500\"}[1m]))"};
      case 18 -> new String[] {"region:bench_memory_usage_bytes:avg",
          "avg by (region) (bench_memory_usage_bytes{region=\"" + region + "\"})"};
      default -> new String[] {"cluster_env:bench_network_receive_bytes_eth1:rate1m",
          "sum by (cluster, env) (rate(bench_network_receive_bytes_total{cluster=\"" + cluster
              + "\", device=\"eth1\"}[1m]))"};
    };
  }

  private String namespace(int g) {
    return "bench-rules-" + g % namespaces;
  }

  private void loadRules(String base) throws IOException, InterruptedException {
    for (int g = 0; g < groups; g++) {
      HttpResponse<String> response = http.send(request(base + "/prometheus/config/v1/rules/" + namespace(g))
          .header("Content-Type", "application/yaml")
          .POST(HttpRequest.BodyPublishers.ofString(groupYaml(g))).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException("POST of group g" + g + " answered " + response.statusCode() + ": "
            + response.body().strip());
      }
    }
  }

  private void deleteRules(String base) {
    for (int n = 0; n < Math.min(namespaces, groups); n++) {
      try {
        http.send(request(base + "/prometheus/config/v1/rules/bench-rules-" + n).DELETE().build(),
            HttpResponse.BodyHandlers.discarding());
      } catch (IOException | InterruptedException e) {
        return; // the target is gone, or we were interrupted: its rules go with it
      }
    }
  }

  /** Adds the finish lag and start delay of each group evaluation not seen before. */
  private void collectEvaluations(String base, Set<String> seen, List<Long> lagNanos, List<Long> startDelayNanos,
      int[] unhealthy, String[] firstError) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(
        request(base + "/prometheus/api/v1/rules?type=record").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("/api/v1/rules answered " + response.statusCode());
    }
    unhealthy[0] = 0;
    for (JsonNode group : JSON.readTree(response.body()).path("data").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (!"ok".equals(rule.path("health").asText())) {
          unhealthy[0]++;
          if (firstError[0] == null && !rule.path("lastError").asText().isEmpty()) {
            firstError[0] = group.path("name").asText() + "/" + rule.path("name").asText() + ": "
                + rule.path("lastError").asText();
          }
        }
      }
      Instant last = Instant.parse(group.path("lastEvaluation").asText());
      if (last.getEpochSecond() <= 0) {
        continue;
      }
      String name = group.path("name").asText();
      if (!seen.add(name + "@" + last)) {
        continue;
      }
      long intervalNanos = (long) (group.path("interval").asDouble() * NANOS);
      long startNanos = last.getEpochSecond() * NANOS + last.getNano();
      long offsetNanos = GroupSchedule.offsetNanos(name, GroupSchedule.file(tenant, group.path("file").asText()),
          intervalNanos);
      long instantNanos = GroupSchedule.previousInstantNanos(startNanos, intervalNanos, offsetNanos);
      long evaluationNanos = (long) (group.path("evaluationTime").asDouble() * NANOS);
      startDelayNanos.add(startNanos - instantNanos);
      lagNanos.add(startNanos + evaluationNanos - instantNanos);
    }
  }

  private Counters counters(String base) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request(base + "/metrics").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    String text = response.body();
    return new Counters(System.nanoTime(), sum(text, "process_cpu_seconds_total"),
        sum(text, "cortex_prometheus_rule_evaluations_total"),
        sum(text, "cortex_prometheus_rule_evaluation_failures_total"),
        sum(text, "cortex_prometheus_rule_group_iterations_missed_total"),
        sum(text, "narthex_ruler_rule_evaluations_missed_total"),
        sum(text, "cortex_prometheus_rule_group_last_evaluation_samples"));
  }

  /** The sum of every sample of {@code name} in a text exposition. */
  static double sum(String exposition, String name) {
    double total = 0;
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name) && line.length() > name.length()
          && (line.charAt(name.length()) == '{' || line.charAt(name.length()) == ' ')) {
        String[] fields = line.substring(line.lastIndexOf('}') + 1).trim().split(" ");
        total += Double.parseDouble(fields[fields.length == 1 || line.indexOf('}') >= 0 ? 0 : 1]);
      }
    }
    return total;
  }

  private HttpRequest.Builder request(String target) {
    return HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofMinutes(1)).header("X-Scope-OrgID", tenant);
  }

  private static double seconds(Counters from, Counters to) {
    return (to.nanoTime - from.nanoTime) / 1e9;
  }

  private static long[] sorted(List<Long> values) {
    long[] array = values.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(array);
    return array;
  }

  /** The {@code q} quantile of sorted nanoseconds, in milliseconds (null for none). */
  static Double quantileMillis(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return null;
    }
    int index = (int) Math.ceil(q * sortedNanos.length) - 1;
    return round(sortedNanos[Math.max(0, index)] / 1e6);
  }

  /** Rounded to 3 decimals, for the summaries. */
  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }

  private static void sleep(Duration duration) throws InterruptedException {
    if (!duration.isNegative()) {
      Thread.sleep(duration);
    }
  }
}
