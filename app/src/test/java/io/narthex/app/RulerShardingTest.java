package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.ingester.FreePorts;
import io.narthex.ruler.RulerRing;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code -target=ruler} processes split a tenant's rule groups over a static ring ({@code ruler.ring.nodes}),
 * writing to and reading from one shared ingester process: each group runs on exactly one ruler, and either ruler
 * lists all of them. When one ruler goes away and the other takes its groups, a pending alert keeps its
 * {@code activeAt} (mimir#2888): the new owner restores it from {@code ALERTS_FOR_STATE}.
 */
class RulerShardingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TENANT = "tenant-a";
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  @Test
  void eachGroupRunsOnOneRulerEitherListsAllAndAMovedPendingAlertKeepsItsActiveAt() throws Exception {
    int grpcPort = FreePorts.next();
    int raftPort = FreePorts.next();
    Map<String, String> rulers = new LinkedHashMap<>();
    rulers.put("ruler-a", "127.0.0.1:" + FreePorts.next());
    rulers.put("ruler-b", "127.0.0.1:" + FreePorts.next());
    String common = "ingester:\n  ring:\n    replication_factor: 1\n    shard_count: 1\n    nodes:\n"
        + "      - {id: ingester-1, grpc_address: \"127.0.0.1:" + grpcPort + "\", raft_address: \"127.0.0.1:"
        + raftPort + "\"}\nblocks_storage:\n  backend: filesystem\n  filesystem:\n    dir: \"" + dir.resolve("bucket")
        + "\"\n";
    Path both = Files.writeString(dir.resolve("both.yaml"), common + "ruler:\n  ring:\n    nodes:\n"
        + "      - {id: ruler-a, http_address: \"" + rulers.get("ruler-a") + "\"}\n"
        + "      - {id: ruler-b, http_address: \"" + rulers.get("ruler-b") + "\"}\n");
    Path onlyB = Files.writeString(dir.resolve("only-b.yaml"), common + "ruler:\n  ring:\n    nodes:\n"
        + "      - {id: ruler-b, http_address: \"" + rulers.get("ruler-b") + "\"}\n");

    // Groups that both rulers own some of; the alert's group on ruler-a, which goes away later.
    RulerRing ring = new RulerRing(rulers, "ruler-a");
    List<String> groups = new ArrayList<>();
    String alertGroup = null;
    for (int i = 0; groups.size() < 4 || alertGroup == null; i++) {
      String name = "g" + i;
      boolean onA = ring.owns(TENANT, "ns", name);
      if (alertGroup == null && onA) {
        alertGroup = name;
      } else if (groups.stream().filter(g -> ring.owns(TENANT, "ns", g) == onA).count() < 2) {
        groups.add(name);
      }
    }

    try (Narthex storage = start(both, "storage", "--target=ingester,querier,store-gateway",
        "--ingester.ring.instance-id=ingester-1", "--server.http-listen-port=0",
        "--server.grpc-listen-port=" + grpcPort, "--ingester.raft-listen-port=" + raftPort)) {
      List<Narthex> running = new ArrayList<>();
      try {
        Narthex rulerA = start(both, "ruler-a", ruler("ruler-a", rulers));
        running.add(rulerA);
        Narthex rulerB = start(both, "ruler-b", ruler("ruler-b", rulers));
        running.add(rulerB);
        for (String group : groups) {
          setGroup(rulerA, "name: " + group + "\ninterval: 1s\nrules:\n  - record: rec_" + group
              + "\n    expr: vector(1)\n");
        }
        setGroup(rulerA, "name: " + alertGroup + "\ninterval: 1s\nrules:\n  - alert: Slow\n    expr: vector(1)\n"
            + "    for: 10m\n");

        // (a) Every group evaluated on exactly one ruler, its owner; both rulers list all of them.
        List<String> all = new ArrayList<>(groups);
        all.add(alertGroup);
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
          for (String group : all) {
            String owner = ring.owner(TENANT, "ns", group);
            assertThat(evaluatedLocally(owner.equals("ruler-a") ? rulerA : rulerB, group)).as(group).isTrue();
            assertThat(localGroups(owner.equals("ruler-a") ? rulerB : rulerA)).as(group).doesNotContain(group);
          }
        });
        for (Narthex ruler : List.of(rulerA, rulerB)) {
          List<String> listed = new ArrayList<>();
          get(ruler, "/prometheus/api/v1/rules").at("/data/groups").forEach(g -> listed.add(g.get("name").asText()));
          assertThat(listed).containsExactlyInAnyOrderElementsOf(all);
        }

        // The alert is pending on ruler-a, and has been for a while, its ALERTS_FOR_STATE written.
        AtomicReference<Instant> activeAt = new AtomicReference<>();
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
          JsonNode alert = get(rulerB, "/prometheus/api/v1/alerts").at("/data/alerts/0");
          assertThat(alert.path("state").asText()).isEqualTo("pending");
          activeAt.set(Instant.parse(alert.get("activeAt").asText()));
          assertThat(query(storage, "ALERTS_FOR_STATE{alertname=\"Slow\"}")).hasSize(1);
          assertThat(Instant.now()).isAfter(activeAt.get().plusSeconds(2));
        });

        // (b) ruler-a goes away: listings fail, naming it, until the ring changes.
        running.remove(rulerA);
        rulerA.close();
        HttpResponse<String> failed = send(rulerB, "/prometheus/api/v1/rules");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).contains("ruler " + rulers.get("ruler-a")).contains("err-narthex-ruler-unavailable");
        running.remove(rulerB);
        rulerB.close();
        Narthex restarted = start(onlyB, "ruler-b", ruler("ruler-b", rulers));
        running.add(restarted);
        // Before its restore (at the group's first evaluation on ruler-b) the alert is pending since ruler-b's
        // first evaluation; after it, since the original activeAt (whole seconds, as ALERTS_FOR_STATE keeps it).
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
          JsonNode alert = get(restarted, "/prometheus/api/v1/alerts").at("/data/alerts/0");
          assertThat(alert.path("state").asText()).isEqualTo("pending");
          assertThat(Instant.parse(alert.path("activeAt").asText("0001-01-01T00:00:00Z")).getEpochSecond())
              .isEqualTo(activeAt.get().getEpochSecond());
        });
        assertThat(localGroups(restarted)).as("ruler-b alone runs every group")
            .containsExactlyInAnyOrderElementsOf(all);
      } finally {
        running.forEach(Narthex::close);
      }
    }
  }

  private String[] ruler(String id, Map<String, String> rulers) {
    String address = rulers.get(id);
    return new String[] {"--target=ruler", "--ruler.ring.instance-id=" + id,
        "--server.http-listen-port=" + address.substring(address.indexOf(':') + 1), "--server.grpc-listen-port=0",
        "--ruler.poll-interval=1s", "--ruler.evaluation-delay-duration=0s", "--ruler.for-grace-period=1s"};
  }

  private Narthex start(Path config, String name, String... own) throws Exception {
    List<String> flags = new ArrayList<>(List.of("--config.file=" + config,
        "--blocks-storage.tsdb.dir=" + dir.resolve(name).resolve("tsdb"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve(name).resolve("sync"),
        "--compactor.data-dir=" + dir.resolve(name).resolve("compactor")));
    flags.addAll(List.of(own));
    Narthex narthex = Narthex.start(NarthexOptions.parse(flags.toArray(String[]::new)));
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(narthex::ready);
    return narthex;
  }

  private void setGroup(Narthex ruler, String yaml) throws Exception {
    HttpResponse<String> set = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ruler.httpPort()
        + "/prometheus/config/v1/rules/ns")).header("X-Scope-OrgID", TENANT)
        .POST(HttpRequest.BodyPublishers.ofString(yaml)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(202);
  }

  /** The groups the ruler runs itself, through the internal route. */
  private List<String> localGroups(Narthex ruler) throws Exception {
    List<String> names = new ArrayList<>();
    get(ruler, "/ruler/internal/rules").at("/data/groups").forEach(g -> names.add(g.get("name").asText()));
    return names;
  }

  private boolean evaluatedLocally(Narthex ruler, String group) throws Exception {
    for (JsonNode g : get(ruler, "/ruler/internal/rules").at("/data/groups")) {
      if (g.get("name").asText().equals(group)) {
        return !g.get("lastEvaluation").asText().startsWith("0001-");
      }
    }
    return false;
  }

  private JsonNode query(Narthex querier, String expr) throws Exception {
    return get(querier, "/prometheus/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8))
        .at("/data/result");
  }

  private JsonNode get(Narthex narthex, String path) throws Exception {
    HttpResponse<String> response = send(narthex, path);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> send(Narthex narthex, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + path))
        .header("X-Scope-OrgID", TENANT).build(), HttpResponse.BodyHandlers.ofString());
  }
}
