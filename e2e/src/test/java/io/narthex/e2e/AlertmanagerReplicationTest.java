package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The replicated Alertmanager in real processes (issue 16 item 5, "Done when"): three {@code -target=alertmanager}
 * JVMs, their tenants' state in Raft groups at replication factor 3 ({@code alertmanager.sharding_ring.nodes}), one
 * tenant notifying a webhook sink in this test. A silence first, then a storm of firing alerts in several
 * aggregation groups, each post sent to the next replica in turn. The leader of the tenant's Raft group is killed
 * with SIGKILL while the storm goes on, then started again; later all three are killed and started again.
 *
 * <p>What must hold, per aggregation group: no two notifications within {@code group_interval}, except at most one
 * extra copy of a send that was in flight at the kill (the documented in-doubt rule, docs/alertmanager.md "The send
 * and the log"; the test prints any it saw); every acknowledged firing alert notified; the silenced alert never
 * notified; after the full restart, the silence still listed and nothing sent again within the repeat interval.
 */
// Measures time: never beside the classes that run concurrently (their lock), and after the rest of the module.
@ResourceLock("timing-oracles")
@Order(Order.DEFAULT + 1)
class AlertmanagerReplicationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TENANT = "e2e-am-replication";
  private static final List<String> NODES = List.of("am-1", "am-2", "am-3");
  private static final int AGGREGATION_GROUPS = 6;
  private static final Duration GROUP_WAIT = Duration.ofSeconds(1);
  private static final Duration GROUP_INTERVAL = Duration.ofSeconds(3);
  /**
   * Two notifications of a group closer than this count as the same interval. The leader schedules flushes exactly
   * {@code group_interval} apart from the scheduled time, not from the last send, so one send late by its Raft
   * commit on two busy cores and an on-time next one arrive closer than the interval: half of it is allowed.
   */
  private static final Duration SAME_INTERVAL = GROUP_INTERVAL.dividedBy(2);
  private static final String SILENCED = "Silenced";

  @TempDir Path work;

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private final Map<String, Integer> httpPorts = new LinkedHashMap<>();
  private final Map<String, ExternalProcess> processes = new ConcurrentHashMap<>();
  /** The replicas the storm posts to: a killed one leaves until it is ready again. */
  private final Set<String> live = ConcurrentHashMap.newKeySet();
  private final List<Notification> notifications = new CopyOnWriteArrayList<>();
  /** Firing alerts ("group/instance") a replica answered 200 for, with the time of the answer. */
  private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
  private final long startMs = System.currentTimeMillis();
  private Path config;
  private HttpServer sink;

  /** A webhook the sink received: when, the group's {@code group} label, its alerts' {@code alertname/instance}. */
  private record Notification(long atMs, String group, List<String> alerts) {}

  /** SIGKILL: a graceful stop hands each led group over, which takes seconds per group when the others stop too. */
  @AfterEach
  void stopEverything() throws Exception {
    for (ExternalProcess process : processes.values()) {
      process.kill9();
    }
    if (sink != null) {
      sink.stop(0);
    }
  }

  @Test
  void aKilledLeaderAndAFullRestartNeitherNotifyTwiceWithinTheIntervalNorMissNorLoseTheSilence() throws Exception {
    Path jar = Path.of("..", "app", "target", "narthex.jar").toAbsolutePath().normalize();
    assertThat(jar).as("the app module's shaded jar, built before e2e by ./mvnw verify").exists();
    startSink();
    writeConfig();
    for (String node : NODES) {
      start(node, node);
    }
    awaitReady(NODES);
    live.addAll(NODES);

    setTenantConfig("am-1");
    String silenceId = createSilence("am-2");
    // The default -alertmanager.sharding-ring.group-count: 4 per node.
    int raftGroup = Integer.remainderUnsigned(fnv32a(TENANT), 4 * NODES.size());

    // The storm: every 400 ms a new firing alert in each aggregation group, and the silenced alert again, posted to
    // the next live replica; a post that fails goes to the next one in the following round.
    AtomicBoolean storming = new AtomicBoolean(true);
    Thread storm = Thread.ofVirtual().start(() -> storm(storming));
    try {
      Thread.sleep(6_000); // not a condition: notifications flow for two intervals before the kill
      String leader = await("a leader of the tenant's Raft group " + raftGroup).atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100)).until(() -> leaderOf(raftGroup), java.util.Objects::nonNull);
      live.remove(leader);
      long killMs = System.currentTimeMillis();
      processes.get(leader).kill9();
      long killedMs = System.currentTimeMillis();
      log("kill -9 %s, the leader of Raft group %d, at +%dms (gone at +%dms)", leader, raftGroup, killMs - startMs,
          killedMs - startMs);
      Thread.sleep(6_000); // not a condition: the storm goes on against the two survivors
      start(leader, leader + "-restarted");
      awaitReady(List.of(leader));
      live.add(leader);
      log("%s ready again at +%dms", leader, System.currentTimeMillis() - startMs);
      Thread.sleep(3_000); // not a condition: a little more storm with all three
      storming.set(false);
      storm.join();

      awaitEveryAcknowledgedAlertNotified();
      assertNotTwiceWithinTheInterval(notifications, killMs, killedMs);
      assertThat(notifications).as("the silenced alert is never notified")
          .noneMatch(n -> n.alerts().stream().anyMatch(a -> a.startsWith(SILENCED + "/")));
    } finally {
      storming.set(false);
      storm.join();
    }

    // Full restart: all three killed (SIGKILL, as a power loss: nothing written at shutdown) and started again on
    // their Raft logs.
    // A send killed before its NotifyDone commits is in doubt and sent again after the restart, by design
    // (at-least-once, docs/alertmanager.md): the kill waits until the receiver has been quiet for 2 s. The CI of
    // 22:30 UTC killed within the last flush's commits and all six groups were notified again.
    await("the receiver quiet for 2 s before the kill").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> System.currentTimeMillis() - lastNotificationByGroup().values().stream()
            .mapToLong(Long::longValue).max().orElse(0) >= 2_000);
    Map<String, Long> lastBefore = lastNotificationByGroup();
    int before = notifications.size();
    for (String node : NODES) {
      processes.get(node).kill9();
    }
    long restartMs = System.currentTimeMillis();
    for (String node : NODES) {
      start(node, node + "-full-restart");
    }
    awaitReady(NODES);
    log("full restart: all three ready %dms after the stop", System.currentTimeMillis() - restartMs);
    JsonNode silences = get("am-3", "/alertmanager/api/v2/silences");
    assertThat(silences.findValuesAsText("id")).as("the silence after the full restart").contains(silenceId);
    assertThat(silenceState(silences, silenceId)).isEqualTo("active");
    Thread.sleep(GROUP_WAIT.plus(GROUP_INTERVAL).plus(GROUP_INTERVAL).toMillis()); // not a condition: nothing is due
    assertThat(notifications.subList(before, notifications.size()))
        .as("nothing re-sent after the full restart within the repeat interval (last before it: %s)", lastBefore)
        .isEmpty();

    // Dispatch goes on: one new alert is notified once, with the silenced one posted again and still silent.
    assertThat(post("am-2", List.of(alert("Storm", "g1", "after-restart"), alert(SILENCED, "g0", "silenced"))))
        .isEqualTo(200);
    await("the alert posted after the full restart notified").atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> notifications.stream().anyMatch(n -> n.group().equals("g1")
            && n.alerts().contains("Storm/after-restart")));
    Thread.sleep(GROUP_INTERVAL.toMillis()); // not a condition: a second copy would come within the interval
    List<Notification> after = notifications.subList(before, notifications.size());
    assertThat(after).as("after the full restart: one notification, of g1").hasSize(1);
    assertThat(after.getFirst().atMs() - lastBefore.getOrDefault("g1", 0L))
        .as("g1's first notification after the restart is an interval after its last before")
        .isGreaterThanOrEqualTo(SAME_INTERVAL.toMillis());
    assertThat(after.getFirst().alerts()).noneMatch(a -> a.startsWith(SILENCED + "/"));
    log("%d notifications in all, %d alerts acknowledged", notifications.size(), acknowledged.size());
  }

  private void storm(AtomicBoolean storming) {
    List<String> order = NODES;
    int round = 0;
    int next = 0;
    List<ObjectNode> pending = new ArrayList<>();
    while (storming.get()) {
      for (int g = 0; g < AGGREGATION_GROUPS; g++) {
        pending.add(alert("Storm", "g" + g, "r" + round));
      }
      pending.add(alert(SILENCED, "g0", "silenced"));
      for (int tries = 0; tries < order.size(); tries++) {
        String node = order.get(next++ % order.size());
        if (!live.contains(node)) {
          continue;
        }
        int status;
        try {
          status = post(node, pending);
        } catch (IOException e) {
          status = -1;
        }
        if (status == 200) {
          long now = System.currentTimeMillis();
          for (ObjectNode alert : pending) {
            JsonNode labels = alert.get("labels");
            if (!labels.get("alertname").asText().equals(SILENCED)) {
              acknowledged.putIfAbsent(labels.get("group").asText() + "/" + labels.get("instance").asText(), now);
            }
          }
          pending.clear();
        } else {
          log("post of round %d to %s: %d, sent again in the next round", round, node, status);
        }
        break;
      }
      round++;
      try {
        Thread.sleep(400);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Every acknowledged alert is in a notification of its group; fails naming the ones that are not. */
  private void awaitEveryAcknowledgedAlertNotified() {
    try {
      await("every acknowledged alert notified").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> missing().isEmpty());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      Map<String, Long> missing = missing();
      throw new AssertionError(missing.size() + " acknowledged alerts never notified (group/instance=ack time, ms "
          + "since start): " + relative(missing) + "\nnotifications: " + describe(notifications), e);
    }
  }

  private Map<String, Long> missing() {
    Set<String> seen = new LinkedHashSet<>();
    for (Notification n : notifications) {
      for (String alert : n.alerts()) {
        if (alert.startsWith("Storm/")) {
          seen.add(n.group() + "/" + alert.substring("Storm/".length()));
        }
      }
    }
    Map<String, Long> missing = new TreeMap<>();
    acknowledged.forEach((alert, at) -> {
      if (!seen.contains(alert)) {
        missing.put(alert, at);
      }
    });
    return missing;
  }

  /**
   * No two notifications of a group within the interval, except one extra copy per group of a send in flight at
   * the kill: its first copy arrived before the killed process was gone and the second after the kill. Prints every
   * such pair.
   */
  private void assertNotTwiceWithinTheInterval(List<Notification> all, long killMs, long killedMs) {
    Map<String, List<Notification>> byGroup = new TreeMap<>();
    for (Notification n : all) {
      byGroup.computeIfAbsent(n.group(), g -> new ArrayList<>()).add(n);
    }
    List<String> violations = new ArrayList<>();
    for (Map.Entry<String, List<Notification>> group : byGroup.entrySet()) {
      List<Notification> sent = group.getValue();
      int inDoubt = 0;
      for (int i = 1; i < sent.size(); i++) {
        Notification previous = sent.get(i - 1);
        Notification current = sent.get(i);
        if (current.atMs() - previous.atMs() >= SAME_INTERVAL.toMillis()) {
          continue;
        }
        String pair = "group " + group.getKey() + ": at +" + (previous.atMs() - startMs) + "ms and +"
            + (current.atMs() - startMs) + "ms (kill at +" + (killMs - startMs) + "ms), alerts "
            + previous.alerts().size() + " then " + current.alerts().size()
            + (previous.alerts().equals(current.alerts()) ? " (the same)" : " (different)");
        if (previous.atMs() <= killedMs && current.atMs() > killMs && inDoubt++ == 0) {
          log("in-doubt copy allowed by the documented rule: %s", pair);
        } else {
          violations.add(pair);
        }
      }
    }
    assertThat(violations).as("notifications of a group within its group_interval (%s)", GROUP_INTERVAL).isEmpty();
    assertThat(byGroup.keySet()).as("every aggregation group notified").hasSize(AGGREGATION_GROUPS);
  }

  private Map<String, Long> lastNotificationByGroup() {
    Map<String, Long> last = new TreeMap<>();
    for (Notification n : notifications) {
      last.merge(n.group(), n.atMs(), Math::max);
    }
    return last;
  }

  private String relative(Map<String, Long> times) {
    Map<String, Long> out = new TreeMap<>();
    times.forEach((k, v) -> out.put(k, v - startMs));
    return out.toString();
  }

  private String describe(List<Notification> list) {
    StringBuilder out = new StringBuilder();
    for (Notification n : list) {
      out.append("\n  +").append(n.atMs() - startMs).append("ms ").append(n.group()).append(' ')
          .append(n.alerts().size()).append(" alerts");
    }
    return out.toString();
  }

  private void startSink() throws IOException {
    sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    sink.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    sink.createContext("/hook", exchange -> {
      long at = System.currentTimeMillis();
      JsonNode payload = JSON.readTree(exchange.getRequestBody().readAllBytes());
      List<String> alerts = new ArrayList<>();
      for (JsonNode alert : payload.path("alerts")) {
        alerts.add(alert.path("labels").path("alertname").asText() + "/"
            + alert.path("labels").path("instance").asText());
      }
      Collections.sort(alerts);
      notifications.add(new Notification(at, payload.path("groupLabels").path("group").asText(), alerts));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    sink.start();
  }

  private void writeConfig() throws IOException {
    StringBuilder yaml = new StringBuilder("blocks_storage:\n  backend: filesystem\n  filesystem:\n    dir: \"")
        .append(work.resolve("bucket")).append("\"\nalertmanager:\n  sharding_ring:\n    replication_factor: 3\n"
            + "    nodes:\n");
    for (String node : NODES) {
      httpPorts.put(node, ExternalProcess.freePort());
      yaml.append("      - {id: ").append(node).append(", raft_address: \"127.0.0.1:")
          .append(ExternalProcess.freePort()).append("\"}\n");
    }
    config = Files.writeString(work.resolve("narthex.yaml"), yaml);
  }

  private void start(String node, String logName) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    processes.put(node, ExternalProcess.start(logName, List.of(java,
        "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED", "-Xmx384m",
        ExternalProcess.CLIENT_COMPILER_ONLY,
        "-jar", Path.of("..", "app", "target", "narthex.jar").toAbsolutePath().normalize().toString(),
        "--config.file=" + config, "--target=alertmanager", "--alertmanager.sharding-ring.instance-id=" + node,
        "--server.http-listen-port=" + httpPorts.get(node),
        "--blocks-storage.tsdb.dir=" + work.resolve(node).resolve("tsdb"),
        "--alertmanager.storage.path=" + work.resolve(node).resolve("alertmanager"),
        "--alertmanager.configs.poll-interval=1s", "--alertmanager.raft.write-timeout=5s")));
  }

  private void awaitReady(List<String> nodes) {
    for (String node : nodes) {
      processes.get(node).awaitHttpOk("http://127.0.0.1:" + httpPorts.get(node) + "/ready", Duration.ofSeconds(60));
    }
  }

  /** The node whose {@code narthex_alertmanager_raft_is_leader{group}} is 1, or null. */
  private String leaderOf(int raftGroup) {
    for (String node : live) {
      try {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node)
            + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        if (metrics.contains("narthex_alertmanager_raft_is_leader{group=\"" + raftGroup + "\"} 1")) {
          return node;
        }
      } catch (IOException e) {
        // Not answering: not the leader to kill.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** Stores the tenant's configuration through {@code node}, and waits until every replica runs it. */
  private void setTenantConfig(String node) throws Exception {
    String url = "http://127.0.0.1:" + sink.getAddress().getPort() + "/hook";
    String alertmanagerConfig = """
        route:
          receiver: sink
          group_by: [group]
          group_wait: %s
          group_interval: %s
          repeat_interval: 1h
        receivers:
          - name: sink
            webhook_configs:
              - url: %s
        """.formatted(GROUP_WAIT.toSeconds() + "s", GROUP_INTERVAL.toSeconds() + "s", url);
    ObjectNode body = JSON.createObjectNode();
    body.put("alertmanager_config", alertmanagerConfig);
    HttpResponse<String> stored = http.send(request(node, "/api/v1/alerts")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
    for (String replica : NODES) {
      await(replica + " running the tenant's configuration").atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> get(replica, "/alertmanager/api/v2/status").path("config").path("original").asText()
              .contains(url));
    }
  }

  private String createSilence(String node) throws Exception {
    ObjectNode silence = JSON.createObjectNode();
    ArrayNode matchers = silence.putArray("matchers");
    matchers.addObject().put("name", "alertname").put("value", SILENCED).put("isRegex", false).put("isEqual", true);
    Instant now = Instant.now();
    silence.put("startsAt", now.toString()).put("endsAt", now.plus(Duration.ofHours(1)).toString())
        .put("createdBy", "e2e").put("comment", "never notified");
    HttpResponse<String> created = http.send(request(node, "/alertmanager/api/v2/silences")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(silence))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String id = JSON.readTree(created.body()).path("silenceID").asText();
    for (String replica : NODES) {
      assertThat(silenceState(get(replica, "/alertmanager/api/v2/silences"), id))
          .as("the silence read on %s right after its creation", replica).isEqualTo("active");
    }
    return id;
  }

  private static String silenceState(JsonNode silences, String id) {
    for (JsonNode silence : silences) {
      if (silence.path("id").asText().equals(id)) {
        return silence.path("status").path("state").asText();
      }
    }
    return null;
  }

  private static ObjectNode alert(String alertname, String group, String instance) {
    ObjectNode alert = JSON.createObjectNode();
    alert.putObject("labels").put("alertname", alertname).put("group", group).put("instance", instance);
    return alert;
  }

  private int post(String node, List<ObjectNode> alerts) throws IOException {
    ArrayNode body = JSON.createArrayNode();
    alerts.forEach(body::add);
    try {
      return http.send(request(node, "/alertmanager/api/v2/alerts").timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private JsonNode get(String node, String path) throws Exception {
    HttpResponse<String> response = http.send(request(node, path).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s on %s: %s", path, node, response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpRequest.Builder request(String node, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node) + path))
        .header("X-Scope-OrgID", TENANT);
  }

  private void log(String format, Object... args) {
    System.out.printf("[AlertmanagerReplicationTest +%dms] %s%n", System.currentTimeMillis() - startMs,
        String.format(format, args));
  }

  /** The tenant's group as the placement computes it (Mimir's shardByUser: FNV-1a, 32 bits, over the UTF-8 id). */
  private static int fnv32a(String tenant) {
    int hash = 0x811c9dc5;
    for (byte b : tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x01000193;
    }
    return hash;
  }
}
