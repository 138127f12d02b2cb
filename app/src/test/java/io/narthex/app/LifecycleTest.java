package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process runs the modules of its targets, in dependency order, and a failed start leaves nothing behind. */
class LifecycleTest {
  private static final String BLOCK = "01JCZ0000000000000000000AA";
  private final HttpClient client = HttpClient.newHttpClient();

  @TempDir Path dir;

  private HttpResponse<String> get(Narthex narthex, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + path))
        .header("X-Scope-OrgID", "tenant-a").build(), HttpResponse.BodyHandlers.ofString());
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
    }
  }

  @Test
  void aRulerStoresRuleGroupsInTheBucketThroughMimirsRulesConfigApi() throws Exception {
    try (Narthex narthex = SingleProcess.start(dir, "--target=ruler", "--ruler.max-rules-per-rule-group=1")) {
      assertThat(get(narthex, "/services").body()).isEqualTo("""
          runtime-config RUNNING
          bucket RUNNING
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
      assertThat(dir.resolve("bucket/__ruler__/rules/tenant-a")).isDirectory();
    }
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
      assertThat(get(narthex, "/ready").body()).isEqualTo("ready\n");
      assertThat(get(narthex, "/services").body()).contains("ingester RUNNING\n", "grpc-server RUNNING\n");
    }
  }
}
