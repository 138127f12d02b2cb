package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mimir's {@code max_query_expression_size_bytes}: the flag for every tenant, the runtime config per tenant. */
class QueryExpressionSizeTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;
  private Narthex narthex;

  @AfterEach
  void close() {
    if (narthex != null) {
      narthex.close();
    }
  }

  private HttpResponse<String> query(String tenant, String query) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + narthex.httpPort() + "/prometheus/api/v1/query?time=1&query="
        + URLEncoder.encode(query, StandardCharsets.UTF_8));
    return HTTP.send(HttpRequest.newBuilder(uri).header("X-Scope-OrgID", tenant).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** {@code up} padded with spaces to {@code bytes}. */
  private static String queryOf(int bytes) {
    return "up" + " ".repeat(bytes - 2);
  }

  @Test
  void runtimeConfigOverrideChangesTheLimitForItsTenantOnly() throws Exception {
    Path runtime = dir.resolve("runtime.yaml");
    Files.writeString(runtime, """
        overrides:
          small:
            max_query_expression_size_bytes: 10
          unlimited:
            max_query_expression_size_bytes: 0
        """);
    narthex = SingleProcess.start(dir, "--runtime-config.file=" + runtime,
        "--query-frontend.max-query-expression-size-bytes=20");

    assertThat(query("small", queryOf(10)).statusCode()).isEqualTo(200);
    HttpResponse<String> refused = query("small", queryOf(11));
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("\"errorType\":\"bad_data\"").contains("(query size: 11, limit: 10)")
        .contains("err-narthex-max-query-expression-size-bytes");

    assertThat(query("other", queryOf(20)).statusCode()).as("the flag for other tenants").isEqualTo(200);
    assertThat(query("other", queryOf(21)).body()).contains("(query size: 21, limit: 20)");
    assertThat(query("unlimited", queryOf(1000)).statusCode()).isEqualTo(200);
  }

  @Test
  void refusesANegativeOverride() throws Exception {
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, "overrides:\n  t:\n    max_query_expression_size_bytes: -1\n");
    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .hasMessageContaining("overrides.t.max_query_expression_size_bytes must be a whole number");
  }
}
