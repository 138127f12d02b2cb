package io.narthex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The Alertmanager benchmark (issue 16): gives each of {@code --tenants} tenants a configuration (through Mimir's
 * {@code POST /api/v1/alerts}) whose one webhook receiver is a sink in this process, posts {@code --alerts} firing
 * alerts spread over the tenants ({@code POST /alertmanager/api/v2/alerts}, grouped by {@code alertname} in groups
 * of {@code --alerts-per-group}), and waits until every alert was notified once.
 *
 * <p>With {@code --alertmanager-url} the target is one plain Alertmanager instead (Debian's 0.25 in
 * {@code bench/alertmanager.sh --compare-alertmanager}): the tenants become values of a {@code tenant} label, routed
 * by one route with {@code group_by: [tenant, alertname]} (so the same groups), which the bench writes to
 * {@code --alertmanager-config-file} and loads with {@code POST /-/reload}; alerts go to {@code /api/v2/alerts}
 * without a tenant header.
 *
 * <p>{@code --warmup-rounds} rounds run first, each on tenants of their own, and are not measured (only the first
 * one's delays are printed, as {@code cold_*}): a JVM's first notifications run interpreted code, which is startup
 * cost, not the dispatcher's. Dispatch delay of a notification: when the sink received it, minus when its group was
 * due (the tenant's post plus {@code group_wait}). Live heap per alert: the growth of the target's heap from before
 * the measured round's posts to after its notifications, each read after a full collection (Narthex:
 * {@code jvm_memory_used_bytes{area="heap"}} after {@code --gc-command}; Alertmanager: {@code
 * go_memstats_heap_alloc_bytes} after {@code /debug/pprof/heap?gc=1}), over the alerts.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Post firing alerts for many tenants to a Narthex Alertmanager (or one plain Alertmanager);"
        + " report notifications/s, dispatch delay and heap per alert.")
final class AlertsCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MEASURED = "bench-am-";

  @Spec
  CommandSpec spec;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:9009",
      description = "Narthex base URL (loopback only). Default: ${DEFAULT-VALUE}.")
  String url;

  @Option(names = "--alertmanager-url", defaultValue = "",
      description = "Target this plain Alertmanager (loopback only) instead of Narthex: one tenant, the bench's"
          + " tenants as a 'tenant' label. Needs --alertmanager-config-file. Default: none.")
  String alertmanagerUrl;

  @Option(names = "--alertmanager-config-file", defaultValue = "",
      description = "The file the --alertmanager-url Alertmanager was started with (--config.file): the bench"
          + " writes its configuration there and reloads it. Default: none.")
  String alertmanagerConfigFile;

  @Option(names = "--tenants", defaultValue = "100", description = "Tenants. Default: ${DEFAULT-VALUE}.")
  int tenants;

  @Option(names = "--alerts", defaultValue = "10000",
      description = "Firing alerts over all tenants. Default: ${DEFAULT-VALUE}.")
  int alerts;

  @Option(names = "--alerts-per-group", defaultValue = "10",
      description = "Alerts of one alertname, so one aggregation group. Default: ${DEFAULT-VALUE}.")
  int alertsPerGroup;

  @Option(names = "--group-wait", defaultValue = "5s", converter = TimeArgs.DurationConverter.class,
      description = "The routes' group_wait. Default: ${DEFAULT-VALUE}.")
  Duration groupWait;

  @Option(names = "--warmup-rounds", defaultValue = "1",
      description = "Unmeasured rounds first, on tenants of their own, the same size. Default: ${DEFAULT-VALUE}.")
  int warmupRounds;

  @Option(names = "--timeout", defaultValue = "120s", converter = TimeArgs.DurationConverter.class,
      description = "Longest wait for a round's notifications after group_wait. Default: ${DEFAULT-VALUE}.")
  Duration timeout;

  @Option(names = "--gc-command", defaultValue = "",
      description = "Command run before each heap reading to collect the Narthex target's garbage, such as "
          + "'jcmd <pid> GC.run'; without it heap per alert is not reported for Narthex. Default: none.")
  String gcCommand;

  @Option(names = "--json", description = "Also print the summary as one JSON line.")
  boolean json;

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  /** One round's tenants ({@code <prefix><index>}) and what the sink received for them. */
  private static final class Round {
    final String prefix;
    final long[] postedNanos;
    final AtomicLong alertsNotified = new AtomicLong();
    final ConcurrentLinkedQueue<long[]> received = new ConcurrentLinkedQueue<>(); // {tenant index, nanoTime}
    long firstPostNanos;
    long postedAllNanos;

    Round(String prefix, int tenants) {
      this.prefix = prefix;
      this.postedNanos = new long[tenants];
    }

    String tenant(int t) {
      return prefix + t;
    }

    /** Delays after group_wait, sorted, in nanoseconds. */
    long[] sortedDelays(long waitNanos) {
      return received.stream().mapToLong(r -> Math.max(0, r[1] - postedNanos[(int) r[0]] - waitNanos)).sorted()
          .toArray();
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (tenants < 1 || alerts < tenants || alertsPerGroup < 1 || warmupRounds < 0) {
      throw new IllegalArgumentException("--tenants and --alerts-per-group must be positive, --alerts at least"
          + " --tenants, --warmup-rounds not negative");
    }
    boolean plain = !alertmanagerUrl.isBlank();
    if (plain && alertmanagerConfigFile.isBlank()) {
      throw new IllegalArgumentException("--alertmanager-url needs --alertmanager-config-file");
    }
    String target = plain ? alertmanagerUrl : url;
    String base = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    Loopback.requireLoopback(base);

    List<Round> rounds = new ArrayList<>();
    for (int r = 0; r < warmupRounds; r++) {
      rounds.add(new Round("bench-am-warmup" + r + "-", tenants));
    }
    Round measured = new Round(MEASURED, tenants);
    rounds.add(measured);
    Map<String, Round> byPrefix = new HashMap<>();
    rounds.forEach(r -> byPrefix.put(r.prefix, r));

    HttpServer sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    sink.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    sink.createContext("/", exchange -> {
      long now = System.nanoTime();
      JsonNode payload = JSON.readTree(exchange.getRequestBody().readAllBytes());
      // Narthex: one receiver per tenant, /<tenant>; Alertmanager: one receiver, the tenant a group label.
      String tenant = plain ? payload.path("groupLabels").path("tenant").asText()
          : exchange.getRequestURI().getPath().substring(1);
      int dash = tenant.lastIndexOf('-');
      Round round = dash < 0 ? null : byPrefix.get(tenant.substring(0, dash + 1));
      if (round != null) {
        round.alertsNotified.addAndGet(payload.path("alerts").size());
        round.received.add(new long[] {Integer.parseInt(tenant.substring(dash + 1)), now});
      }
      exchange.sendResponseHeaders(round != null ? 200 : 400, -1);
      exchange.close();
    });
    sink.start();
    String sinkUrl = "http://127.0.0.1:" + sink.getAddress().getPort();
    try {
      out.printf("alerts: %d firing alerts over %d tenants, %d per group, group_wait %s, %d warm-up round(s) -> %s"
          + "%s%n", alerts, tenants, alertsPerGroup, groupWait, warmupRounds, plain ? "Alertmanager " : "", base);
      if (plain) {
        loadAlertmanagerConfig(base, sinkUrl);
      }
      Double heapBefore = null;
      for (Round round : rounds) {
        if (!plain) {
          for (int t = 0; t < tenants; t++) {
            setConfig(base, round.tenant(t), sinkUrl);
          }
        }
        if (round == measured) {
          heapBefore = liveHeapBytes(base, plain);
        }
        if (!runRound(base, plain, round)) {
          break;
        }
      }
      Double heapAfter = liveHeapBytes(base, plain);

      long waitNanos = groupWait.toNanos();
      long[] sorted = measured.sortedDelays(waitNanos);
      int notifications = measured.received.size();
      long lastReceivedNanos = measured.received.stream().mapToLong(r -> r[1]).max()
          .orElse(measured.firstPostNanos);
      double sendSeconds = (lastReceivedNanos - measured.firstPostNanos - waitNanos) / 1e9;
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("mode", "alerts");
      summary.put("target", plain ? "alertmanager" : "narthex");
      summary.put("tenants", tenants);
      summary.put("alerts", alerts);
      summary.put("alerts_per_group", alertsPerGroup);
      summary.put("group_wait_seconds", groupWait.toMillis() / 1000.0);
      summary.put("warmup_rounds", warmupRounds);
      if (warmupRounds > 0) {
        long[] cold = rounds.get(0).sortedDelays(waitNanos);
        summary.put("cold_dispatch_delay_p50_ms", RulesCommand.quantileMillis(cold, 0.5));
        summary.put("cold_dispatch_delay_p99_ms", RulesCommand.quantileMillis(cold, 0.99));
      }
      summary.put("post_seconds", RulesCommand.round((measured.postedAllNanos - measured.firstPostNanos) / 1e9));
      summary.put("notifications", notifications);
      summary.put("alerts_notified", measured.alertsNotified.get());
      summary.put("notifications_per_second",
          sendSeconds > 0 ? RulesCommand.round(notifications / sendSeconds) : null);
      summary.put("dispatch_delay_p50_ms", RulesCommand.quantileMillis(sorted, 0.5));
      summary.put("dispatch_delay_p99_ms", RulesCommand.quantileMillis(sorted, 0.99));
      summary.put("dispatch_delay_max_ms", RulesCommand.quantileMillis(sorted, 1));
      summary.put("live_heap_bytes_per_alert", heapBefore == null || heapAfter == null ? null
          : Math.round((heapAfter - heapBefore) / alerts));
      summary.forEach((name, value) -> out.printf("%s: %s%n", name, value));
      if (json) {
        out.println(JSON.writeValueAsString(summary));
      }
      out.flush();
      return measured.alertsNotified.get() >= alerts ? 0 : 1;
    } finally {
      sink.stop(0);
      if (!plain) {
        for (Round round : rounds) {
          for (int t = 0; t < tenants; t++) {
            deleteConfig(base, round.tenant(t));
          }
        }
      }
    }
  }

  /** Posts the round's alerts, one request per tenant, and waits for their notifications; false on timeout. */
  private boolean runRound(String base, boolean plain, Round round) throws IOException, InterruptedException {
    round.firstPostNanos = System.nanoTime();
    for (int t = 0; t < tenants; t++) {
      int from = (int) ((long) alerts * t / tenants);
      int to = (int) ((long) alerts * (t + 1) / tenants);
      round.postedNanos[t] = System.nanoTime();
      postAlerts(base, plain, round.tenant(t), from, to);
    }
    round.postedAllNanos = System.nanoTime();
    long deadline = System.nanoTime() + groupWait.plus(timeout).toNanos();
    while (round.alertsNotified.get() < alerts && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return round.alertsNotified.get() >= alerts;
  }

  /** The tenant's Alertmanager configuration: one webhook to the sink, path {@code /<tenant>}, grouped by alertname. */
  String config(String tenant, String sinkUrl) {
    String alertmanagerConfig = "route:\n  receiver: sink\n  group_by: [alertname]\n  group_wait: "
        + groupWait.toMillis() + "ms\n  group_interval: 5m\n  repeat_interval: 4h\nreceivers:\n  - name: sink\n"
        + "    webhook_configs:\n      - url: " + sinkUrl + "/" + tenant + "\n";
    try {
      return JSON.writeValueAsString(Map.of("template_files", Map.of(), "alertmanager_config", alertmanagerConfig));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The plain Alertmanager's configuration: the same route, grouping by the tenant label too. */
  String plainConfig(String sinkUrl) {
    return "route:\n  receiver: sink\n  group_by: [tenant, alertname]\n  group_wait: " + groupWait.toMillis()
        + "ms\n  group_interval: 5m\n  repeat_interval: 4h\nreceivers:\n  - name: sink\n    webhook_configs:\n"
        + "      - url: " + sinkUrl + "/alertmanager\n";
  }

  private void loadAlertmanagerConfig(String base, String sinkUrl) throws IOException, InterruptedException {
    Files.writeString(Path.of(alertmanagerConfigFile), plainConfig(sinkUrl));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/-/reload"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("POST /-/reload: " + response.statusCode() + " " + response.body());
    }
  }

  private void setConfig(String base, String tenant, String sinkUrl) throws IOException, InterruptedException {
    // JSON is YAML: the config API reads either.
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts"))
        .header("X-Scope-OrgID", tenant).POST(HttpRequest.BodyPublishers.ofString(config(tenant, sinkUrl))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException("POST /api/v1/alerts for " + tenant + ": " + response.statusCode() + " "
          + response.body());
    }
  }

  private void deleteConfig(String base, String tenant) {
    try {
      http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts")).header("X-Scope-OrgID", tenant)
          .DELETE().build(), HttpResponse.BodyHandlers.discarding());
    } catch (IOException | InterruptedException e) {
      // Best effort: the target may be gone.
    }
  }

  private void postAlerts(String base, boolean plain, String tenant, int from, int to)
      throws IOException, InterruptedException {
    StringBuilder body = new StringBuilder("[");
    String startsAt = Instant.now().toString();
    for (int i = from; i < to; i++) {
      if (i > from) {
        body.append(',');
      }
      body.append("{\"labels\":{\"alertname\":\"BenchAlert").append(i / alertsPerGroup)
          .append("\",\"instance\":\"host-").append(i).append("\",\"severity\":\"page\"");
      if (plain) {
        body.append(",\"tenant\":\"").append(tenant).append('"');
      }
      body.append("},\"annotations\":{\"summary\":\"bench alert ").append(i).append("\"},")
          .append("\"startsAt\":\"").append(startsAt).append("\"}");
    }
    body.append(']');
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base
        + (plain ? "/api/v2/alerts" : "/alertmanager/api/v2/alerts"))).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    if (!plain) {
      request.header("X-Scope-OrgID", tenant);
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("POST alerts for " + tenant + ": " + response.statusCode() + " " + response.body());
    }
  }

  /**
   * The target's live heap in bytes: Narthex's after {@code --gc-command} (null without one: a reading with garbage
   * means nothing), a plain Alertmanager's after Go's pprof handler ran a collection.
   */
  private Double liveHeapBytes(String base, boolean plain) throws IOException, InterruptedException {
    if (plain) {
      http.send(HttpRequest.newBuilder(URI.create(base + "/debug/pprof/heap?gc=1")).build(),
          HttpResponse.BodyHandlers.discarding());
      return metricSum(base, "go_memstats_heap_alloc_bytes ", null);
    }
    if (gcCommand.isBlank()) {
      return null;
    }
    Process gc = new ProcessBuilder("sh", "-c", gcCommand).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (gc.waitFor() != 0) {
      throw new IOException("--gc-command failed: " + gcCommand);
    }
    return metricSum(base, "jvm_memory_used_bytes{", "area=\"heap\"");
  }

  /** The sum of the target's {@code /metrics} lines starting with {@code prefix} (and holding {@code label}). */
  private Double metricSum(String base, String prefix, String label) throws IOException, InterruptedException {
    String text = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(prefix) && (label == null || line.contains(label))) {
        String value = line.substring(label == null ? prefix.length() : line.lastIndexOf('}') + 1).trim();
        total += Double.parseDouble(value.split(" ")[0]);
      }
    }
    return total;
  }
}
