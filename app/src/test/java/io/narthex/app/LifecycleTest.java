package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.ingester.FreePorts;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The process runs the modules of its targets, in dependency order, and a failed start leaves nothing behind. Each
 * test starts its own processes on free ports under its own directory, so the tests run at once: most of their time
 * is the processes' graceful stops.
 */
// Shares the CPU with other classes, never with a timing oracle (those take the lock exclusively).
@ResourceLock(value = "timing-oracles", mode = ResourceAccessMode.READ)
@Execution(ExecutionMode.CONCURRENT)
class LifecycleTest {
  private static final String BLOCK = "01JCZ0000000000000000000AA";
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  private HttpResponse<String> get(Narthex narthex, String path) throws Exception {
    return getAs("tenant-a", narthex, path);
  }

  private HttpResponse<String> getAs(String tenant, Narthex narthex, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + path))
        .header("X-Scope-OrgID", tenant).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> setRuleGroup(Narthex narthex, String tenant, String yaml) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort()
        + "/prometheus/config/v1/rules/ns")).header("X-Scope-OrgID", tenant)
        .POST(HttpRequest.BodyPublishers.ofString(yaml)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aCompactorRunsItsDependenciesOnlyAndServesBlockUploadAndTenantDeletion() throws Exception {
    try (Narthex narthex = SingleProcess.start(dir, "--target=compactor")) {
      assertThat(narthex.ready()).isTrue();
      assertThat(get(narthex, "/services").body()).isEqualTo("""
          runtime-config RUNNING
          bucket RUNNING
          deletions RUNNING
          compactor RUNNING
          server RUNNING
          """);
      assertThat(narthex.grpcPort()).isEqualTo(-1);
      // Block upload is the compactor's, as in Mimir: the route exists (403: uploads are off for the tenant).
      assertThat(get(narthex, "/api/v1/upload/block/" + BLOCK + "/check").statusCode()).isNotEqualTo(404);
      assertThat(get(narthex, "/compactor/delete_tenant_status").statusCode()).isEqualTo(200);
      assertThat(get(narthex, "/prometheus/api/v1/query?query=1").statusCode()).isEqualTo(404);
      // No compactor.sharding_ring.nodes: the compactors are the ingester ring's nodes, this one alone here.
      assertThat(get(narthex, "/compactor/ring").body()).isEqualTo("{\"follows_ingester_ring\":true,"
          + "\"replication_factor\":1,\"self\":\"ingester-1\",\"members\":[{\"id\":\"ingester-1\"}]}");
      assertThat(get(narthex, "/store-gateway/ring").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aRecordingRuleSetThroughTheConfigApiIsEvaluatedAndGoesStaleWhenItsSourceStops() throws Exception {
    try (Narthex narthex = SingleProcess.start(dir, "--ruler.evaluation-delay-duration=0s",
        "--tenant-federation.enabled", "--ruler.tenant-federation.enabled")) {
      Labels source = Labels.of("__name__", "rule_source", "job", "a");
      assertThat(RemoteWrite.push(narthex, "tenant-a", write(source, System.currentTimeMillis(), 21))
          .statusCode()).isEqualTo(200);
      HttpResponse<String> set = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + narthex.httpPort() + "/prometheus/config/v1/rules/ns"))
          .header("X-Scope-OrgID", "tenant-a").POST(HttpRequest.BodyPublishers.ofString("""
              name: g
              interval: 1s
              rules:
                - record: job:rule_source:doubled
                  expr: rule_source * 2
              """)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(set.statusCode()).isEqualTo(202);

      String recorded = "/prometheus/api/v1/query?query=job:rule_source:doubled";
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(get(narthex, recorded).body()).contains("\"job:rule_source:doubled\"").contains("\"42\""));
      assertThat(get(narthex, "/prometheus/api/v1/rules").body())
          .contains("\"name\":\"g\",\"file\":\"ns\"").contains("\"health\":\"ok\"");
      assertThat(get(narthex, "/metrics").body())
          .contains("cortex_prometheus_rule_evaluations_total{rule_group=\"ns;g\",user=\"tenant-a\"}");

      // The source goes stale: at the next evaluation the rule returns nothing, and its output is marked stale
      // instead of lingering for the 5m lookback.
      assertThat(RemoteWrite.push(narthex, "tenant-a", write(source, System.currentTimeMillis(),
          StaleMarker.STALE_NAN)).statusCode()).isEqualTo(200);
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(get(narthex, recorded).body()).contains("\"result\":[]"));

      // A federated group of tenant-c reads tenant-a and tenant-b as one and writes to tenant-c, each series
      // labelled with the tenant it came from, as Mimir's ruler does.
      long now = System.currentTimeMillis();
      assertThat(RemoteWrite.push(narthex, "tenant-a", write(Labels.of("__name__", "federated_source"), now, 3))
          .statusCode()).isEqualTo(200);
      assertThat(RemoteWrite.push(narthex, "tenant-b", write(Labels.of("__name__", "federated_source"), now, 4))
          .statusCode()).isEqualTo(200);
      assertThat(setRuleGroup(narthex, "tenant-c", """
          name: federated
          interval: 1s
          source_tenants: [tenant-b, tenant-a]
          rules:
            - record: tenant:federated_source:sum
              expr: sum by (__tenant_id__) (federated_source)
          """).statusCode()).isEqualTo(202);
      String federated = "/prometheus/api/v1/query?query=tenant:federated_source:sum";
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(getAs("tenant-c", narthex, federated).body()).contains(
              "{\"metric\":{\"__name__\":\"tenant:federated_source:sum\",\"__tenant_id__\":\"tenant-a\"},"
                  + "\"value\":[", "\"3\"]}",
              "{\"metric\":{\"__name__\":\"tenant:federated_source:sum\",\"__tenant_id__\":\"tenant-b\"},"
                  + "\"value\":[", "\"4\"]}"));
      // Written to the owner only.
      assertThat(get(narthex, federated).body()).contains("\"result\":[]");
      assertThat(getAs("tenant-c", narthex, "/prometheus/api/v1/rules").body())
          .contains("\"sourceTenants\":[\"tenant-b\",\"tenant-a\"]").contains("\"health\":\"ok\"");
    }
    // Mimir's ruler refuses to start so.
    assertThatThrownBy(() -> SingleProcess.start(dir.resolve("no-federation"), "--target=ruler",
        "--ruler.tenant-federation.enabled"))
        .hasStackTraceContaining("-ruler.tenant-federation.enabled=true requires -tenant-federation.enabled=true");
  }

  private static WriteRequest write(Labels labels, long timestampMs, double value) {
    TimeSeries.Builder series = TimeSeries.newBuilder();
    labels.forEach((name, v) -> series.addLabels(Label.newBuilder().setName(name).setValue(v)));
    series.addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(value));
    return WriteRequest.newBuilder().addTimeseries(series).build();
  }

  @Test
  void aRulerStoresRuleGroupsInTheBucketThroughMimirsRulesConfigApi() throws Exception {
    try (Narthex narthex = SingleProcess.start(dir, "--target=ruler", "--ruler.max-rules-per-rule-group=1")) {
      // The ruler alone reads through its own querier (which needs the deletions) and writes through its own
      // distributor.
      assertThat(get(narthex, "/services").body()).isEqualTo("""
          runtime-config RUNNING
          bucket RUNNING
          deletions RUNNING
          ruler RUNNING
          server RUNNING
          """);
      String rules = "http://127.0.0.1:" + narthex.httpPort() + "/prometheus/config/v1/rules/";
      HttpResponse<String> set = client.send(HttpRequest.newBuilder(URI.create(rules + "ns"))
          .header("X-Scope-OrgID", "tenant-a")
          .POST(HttpRequest.BodyPublishers.ofString("name: g\nrules:\n  - record: a\n    expr: up\n")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(set.statusCode()).isEqualTo(202);
      assertThat(get(narthex, "/prometheus/config/v1/rules/ns/g").body()).contains("record: a");
      HttpResponse<String> tooMany = client.send(HttpRequest.newBuilder(URI.create(rules + "ns"))
          .header("X-Scope-OrgID", "tenant-a").POST(HttpRequest.BodyPublishers.ofString(
              "name: g2\nrules:\n  - record: a\n    expr: up\n  - record: b\n    expr: up\n")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(tooMany.statusCode()).isEqualTo(400);
      // Without -ruler.tenant-federation.enabled (Mimir's default) a federated group is refused, as Mimir does.
      HttpResponse<String> federated = setRuleGroup(narthex, "tenant-a",
          "name: f\nsource_tenants: [tenant-b]\nrules:\n  - record: a\n    expr: up\n");
      assertThat(federated.statusCode()).isEqualTo(400);
      assertThat(federated.body()).contains("is a federated rule group, but rules federation is disabled")
          .contains("(err-narthex-ruler-tenant-federation-disabled)");
      assertThat(dir.resolve("bucket/__ruler__/rules/tenant-a")).isDirectory();
    }
  }

  @Test
  void anAlertmanagerServesMimirsConfigApiAtTheRootAndStoresInTheBucket() throws Exception {
    try (Narthex narthex = SingleProcess.start(dir, "--target=alertmanager")) {
      assertThat(get(narthex, "/services").body())
          .isEqualTo("runtime-config RUNNING\nbucket RUNNING\nalertmanager RUNNING\nserver RUNNING\n");
      HttpResponse<String> set = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + narthex.httpPort() + "/api/v1/alerts")).header("X-Scope-OrgID", "tenant-a")
          .POST(HttpRequest.BodyPublishers.ofString("alertmanager_config: |\n  route: {receiver: r}\n"
              + "  receivers: [{name: r}]\n")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(set.statusCode()).as(set.body()).isEqualTo(201);
      assertThat(get(narthex, "/api/v1/alerts").body()).contains("receivers: [{name: r}]");
      assertThat(dir.resolve("bucket/__alertmanager__/alerts/tenant-a")).isRegularFile();
      // The API's change reloaded the tenant's running config at once.
      assertThat(get(narthex, "/metrics").body())
          .containsPattern("cortex_alertmanager_config_last_reload_successful\\{user=\"tenant-a\"} 1");
    }
    assertThatThrownBy(() -> SingleProcess.start(dir, "--target=alertmanager",
        "--alertmanager.configs.fallback=" + dir.resolve("missing.yaml")))
        .hasStackTraceContaining("unable to read fallback config");
  }

  @Test
  void aLocalRulerServesTheTenantsRuleFilesAndRefusesWrites() throws Exception {
    Path rules = dir.resolve("rules");
    java.nio.file.Files.createDirectories(rules.resolve("tenant-a"));
    java.nio.file.Files.writeString(rules.resolve("tenant-a/node.yml"),
        "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n");
    try (Narthex narthex = SingleProcess.start(dir, "--target=ruler", "--ruler-storage.backend=local",
        "--ruler-storage.local.directory=" + rules)) {
      assertThat(get(narthex, "/prometheus/config/v1/rules/node.yml/g").body()).contains("record: a");
      HttpResponse<String> set = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + narthex.httpPort() + "/prometheus/config/v1/rules/node.yml")).header("X-Scope-OrgID", "tenant-a")
          .POST(HttpRequest.BodyPublishers.ofString("name: h\nrules: []\n")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(set.statusCode()).isEqualTo(500);
      assertThat(set.body()).contains("read-only");
    }
    assertThatThrownBy(() -> SingleProcess.start(dir, "--target=ruler", "--ruler-storage.backend=local"))
        .hasStackTraceContaining("-ruler-storage.backend=local needs -ruler-storage.local.directory");
  }

  @Test
  void aQuerierHasNeitherBlockUploadNorTheIngestersRoutes() throws Exception {
    try (Narthex narthex = SingleProcess.start(dir, "--target=querier")) {
      assertThat(get(narthex, "/services").body()).startsWith("runtime-config RUNNING\nbucket RUNNING\n")
          .contains("querier RUNNING\n").doesNotContain("ingester").doesNotContain("compactor");
      assertThat(get(narthex, "/api/v1/upload/block/" + BLOCK + "/check").statusCode()).isEqualTo(404);
      assertThat(get(narthex, "/ingester/shards").statusCode()).isEqualTo(404);
      assertThat(get(narthex, "/prometheus/api/v1/query?query=1").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aTakenRaftPortFailsTheStartWithAnErrorAndLeavesTheJvmRunning() throws Exception {
    int raftPort = FreePorts.next();
    try (ServerSocket taken = new ServerSocket(raftPort)) {
      // Ratis would call System.exit here, ending this test JVM, if the ingester did not turn that off.
      assertThatThrownBy(() -> SingleProcess.start(dir, "--ingester.raft-listen-port=" + raftPort))
          .hasStackTraceContaining("ingester node ingester-1 cannot start its Raft server")
          .hasStackTraceContaining(":" + raftPort);
    }
    try (Narthex narthex = SingleProcess.start(dir, "--ingester.raft-listen-port=" + raftPort)) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(get(narthex, "/ready").body()).isEqualTo("ready\n"));
    }
  }

  @Test
  void aModuleThatFailsToStartStopsTheModulesStartedBeforeIt() throws Exception {
    String[] ports = {"--ingester.raft-listen-port=" + FreePorts.next(),
        "--server.grpc-listen-port=" + FreePorts.next(), "--server.http-listen-port=" + FreePorts.next()};
    // The compactor starts after the ingester, the store-gateway and the gRPC server, which hold their ports.
    String[] failing = java.util.stream.Stream.concat(java.util.Arrays.stream(ports),
        java.util.stream.Stream.of("--compactor.ring.instance-id=not-in-the-ring")).toArray(String[]::new);
    assertThatThrownBy(() -> SingleProcess.start(dir.resolve("failed"), failing))
        .hasMessageContaining("compactor id not-in-the-ring is not in the compactor ring");
    // Nothing of the failed start is left: the same ports and directories serve a new process.
    try (Narthex narthex = SingleProcess.start(dir.resolve("failed"), ports)) {
      // The shard elects its leader after start; on a loaded machine that can take a moment.
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(get(narthex, "/ready").body()).isEqualTo("ready\n"));
      assertThat(get(narthex, "/services").body()).contains("ingester RUNNING\n", "grpc-server RUNNING\n");
      assertThat(get(narthex, "/store-gateway/ring").body()).startsWith("{\"follows_ingester_ring\":true,")
          .contains("\"members\":[{\"id\":\"ingester-1\",\"grpc_address\":\"127.0.0.1:");
    }
  }
}
