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
import java.time.Duration;
import java.time.Instant;
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
 * <p>Dispatch delay of a notification: when the sink received it, minus when its group was due (the tenant's post
 * plus {@code group_wait}). Live heap per alert: the growth of the target's {@code jvm_memory_used_bytes{area="heap"}}
 * from before the posts to after the notifications, each read after {@code --gc-command} collected its garbage, over
 * the alerts.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Post firing alerts for many tenants to a Narthex Alertmanager; report notifications/s, dispatch"
        + " delay and heap per alert.")
final class AlertsCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:9009",
      description = "Narthex base URL (loopback only). Default: ${DEFAULT-VALUE}.")
  String url;

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

  @Option(names = "--timeout", defaultValue = "120s", converter = TimeArgs.DurationConverter.class,
      description = "Longest wait for the notifications after group_wait. Default: ${DEFAULT-VALUE}.")
  Duration timeout;

  @Option(names = "--gc-command", defaultValue = "",
      description = "Command run before each heap reading to collect the target's garbage, such as "
          + "'jcmd <pid> GC.run'; without it heap per alert is not reported. Default: none.")
  String gcCommand;

  @Option(names = "--json", description = "Also print the summary as one JSON line.")
  boolean json;

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (tenants < 1 || alerts < tenants || alertsPerGroup < 1) {
      throw new IllegalArgumentException(
          "--tenants and --alerts-per-group must be positive, --alerts at least --tenants");
    }
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    Loopback.requireLoopback(base);

    AtomicLong alertsNotified = new AtomicLong();
    ConcurrentLinkedQueue<long[]> received = new ConcurrentLinkedQueue<>(); // {tenant index, nanoTime}
    HttpServer sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    sink.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    sink.createContext("/", exchange -> {
      long now = System.nanoTime();
      byte[] body = exchange.getRequestBody().readAllBytes();
      int tenant = Integer.parseInt(exchange.getRequestURI().getPath().substring(1));
      JsonNode payload = JSON.readTree(body);
      alertsNotified.addAndGet(payload.path("alerts").size());
      received.add(new long[] {tenant, now});
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    sink.start();
    String sinkUrl = "http://127.0.0.1:" + sink.getAddress().getPort();
    try {
      out.printf("alerts: %d firing alerts over %d tenants, %d per group, group_wait %s -> %s%n", alerts, tenants,
          alertsPerGroup, groupWait, base);
      for (int t = 0; t < tenants; t++) {
        setConfig(base, t, sinkUrl);
      }
      Double heapBefore = liveHeapBytes(base);
      long[] postedNanos = new long[tenants];
      long firstPost = System.nanoTime();
      for (int t = 0; t < tenants; t++) {
        int from = (int) ((long) alerts * t / tenants);
        int to = (int) ((long) alerts * (t + 1) / tenants);
        postedNanos[t] = System.nanoTime();
        postAlerts(base, t, from, to);
      }
      long postedAllNanos = System.nanoTime();
      long deadline = System.nanoTime() + groupWait.plus(timeout).toNanos();
      while (alertsNotified.get() < alerts && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Double heapAfter = liveHeapBytes(base);

      long waitNanos = groupWait.toNanos();
      List<long[]> notifications = List.copyOf(received);
      long[] sorted = notifications.stream()
          .mapToLong(r -> Math.max(0, r[1] - postedNanos[(int) r[0]] - waitNanos)).sorted().toArray();
      long lastReceivedNanos = notifications.stream().mapToLong(r -> r[1]).max().orElse(firstPost);
      double sendSeconds = (lastReceivedNanos - firstPost - waitNanos) / 1e9;
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("mode", "alerts");
      summary.put("tenants", tenants);
      summary.put("alerts", alerts);
      summary.put("alerts_per_group", alertsPerGroup);
      summary.put("group_wait_seconds", groupWait.toMillis() / 1000.0);
      summary.put("post_seconds", RulesCommand.round((postedAllNanos - firstPost) / 1e9));
      summary.put("notifications", notifications.size());
      summary.put("alerts_notified", alertsNotified.get());
      summary.put("notifications_per_second",
          sendSeconds > 0 ? RulesCommand.round(notifications.size() / sendSeconds) : null);
      summary.put("dispatch_delay_p50_ms", RulesCommand.quantileMillis(sorted, 0.5));
      summary.put("dispatch_delay_p99_ms", RulesCommand.quantileMillis(sorted, 0.99));
      summary.put("dispatch_delay_max_ms", RulesCommand.quantileMillis(sorted, 1));
      summary.put("live_heap_bytes_per_alert", heapBefore == null ? null
          : Math.round((heapAfter - heapBefore) / alerts));
      summary.forEach((name, value) -> out.printf("%s: %s%n", name, value));
      if (json) {
        out.println(JSON.writeValueAsString(summary));
      }
      out.flush();
      return alertsNotified.get() >= alerts ? 0 : 1;
    } finally {
      sink.stop(0);
      for (int t = 0; t < tenants; t++) {
        deleteConfig(base, t);
      }
    }
  }

  static String tenant(int t) {
    return "bench-am-" + t;
  }

  /** The tenant's Alertmanager configuration: one webhook to the sink, path {@code /<t>}, grouped by alertname. */
  String config(int t, String sinkUrl) {
    String alertmanagerConfig = "route:\n  receiver: sink\n  group_by: [alertname]\n  group_wait: "
        + groupWait.toMillis() + "ms\n  group_interval: 5m\n  repeat_interval: 4h\nreceivers:\n  - name: sink\n"
        + "    webhook_configs:\n      - url: " + sinkUrl + "/" + t + "\n";
    try {
      return JSON.writeValueAsString(Map.of("template_files", Map.of(), "alertmanager_config", alertmanagerConfig));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void setConfig(String base, int t, String sinkUrl) throws IOException, InterruptedException {
    // JSON is YAML: the config API reads either.
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts"))
        .header("X-Scope-OrgID", tenant(t)).POST(HttpRequest.BodyPublishers.ofString(config(t, sinkUrl))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException("POST /api/v1/alerts for " + tenant(t) + ": " + response.statusCode() + " "
          + response.body());
    }
  }

  private void deleteConfig(String base, int t) {
    try {
      http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts")).header("X-Scope-OrgID", tenant(t))
          .DELETE().build(), HttpResponse.BodyHandlers.discarding());
    } catch (IOException | InterruptedException e) {
      // Best effort: the target may be gone.
    }
  }

  private void postAlerts(String base, int t, int from, int to) throws IOException, InterruptedException {
    StringBuilder body = new StringBuilder("[");
    String startsAt = Instant.now().toString();
    for (int i = from; i < to; i++) {
      if (i > from) {
        body.append(',');
      }
      body.append("{\"labels\":{\"alertname\":\"BenchAlert").append(i / alertsPerGroup)
          .append("\",\"instance\":\"host-").append(i).append("\",\"severity\":\"page\"},")
          .append("\"annotations\":{\"summary\":\"bench alert ").append(i).append("\"},")
          .append("\"startsAt\":\"").append(startsAt).append("\"}");
    }
    body.append(']');
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base
        + "/alertmanager/api/v2/alerts")).header("X-Scope-OrgID", tenant(t)).header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("POST /alertmanager/api/v2/alerts for " + tenant(t) + ": " + response.statusCode()
          + " " + response.body());
    }
  }

  /** The target's heap after {@code --gc-command}, or null without one (a reading with garbage means nothing). */
  private Double liveHeapBytes(String base) throws IOException, InterruptedException {
    if (gcCommand.isBlank()) {
      return null;
    }
    Process gc = new ProcessBuilder("sh", "-c", gcCommand).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (gc.waitFor() != 0) {
      throw new IOException("--gc-command failed: " + gcCommand);
    }
    String text = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        total += Double.parseDouble(line.substring(line.lastIndexOf('}') + 1).trim().split(" ")[0]);
      }
    }
    return total;
  }
}
