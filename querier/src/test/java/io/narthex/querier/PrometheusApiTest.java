package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.TenantResolver;
import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Prometheus API over HTTP, against hand-written storage fakes. */
class PrometheusApiTest {
  private static final String PROMETHEUS = "/prometheus";
  /** An API that runs one query at a time. */
  private static final String ONE_AT_A_TIME = "/one-at-a-time";
  /** An API whose queries may be at most {@link #MAX_EXPRESSION_BYTES} long. */
  private static final String CAPPED = "/capped";
  private static final int MAX_EXPRESSION_BYTES = 64;
  private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static Server server;
  /** What the server's storage does on select; each test sets its own. */
  private static volatile Function<List<Matcher>, List<Series>> select = matchers -> List.of();

  /** One server for the class (starting and stopping Armeria takes seconds), with differently configured APIs. */
  @BeforeAll
  static void start() {
    ServerBuilder builder = Server.builder().http(0);
    Queryable storage = storage(matchers -> select.apply(matchers));
    new PrometheusApi(new Engine(EngineOptions.defaults()), (tenant, warnings) -> storage, TenantResolver.ANONYMOUS,
        "test")
        .bind(builder, PROMETHEUS);
    new PrometheusApi(new Engine(EngineOptions.defaults()), (tenant, warnings) -> storage, TenantResolver.ANONYMOUS,
        "test")
        .withMaxConcurrent(1)
        .bind(builder, ONE_AT_A_TIME);
    new PrometheusApi(new Engine(EngineOptions.defaults()), (tenant, warnings) -> storage, TenantResolver.ANONYMOUS,
        "test")
        .withMaxQueryExpressionSizeBytes(tenant -> MAX_EXPRESSION_BYTES)
        .bind(builder, CAPPED);
    server = builder.build();
    server.start().join();
  }

  @BeforeEach
  void emptyStorage() {
    select = matchers -> List.of();
  }

  @AfterAll
  static void stop() {
    server.stop().join();
  }

  /** Storage whose every select runs {@code select} (list calls answer nothing). */
  static Queryable storage(Function<List<Matcher>, List<Series>> select) {
    return (minTimeMs, maxTimeMs) -> new Querier() {
      @Override
      public List<Series> select(boolean sorted, SelectHints hints, List<Matcher> matchers) {
        return select.apply(matchers);
      }

      @Override
      public List<String> labelNames(List<Matcher> matchers) {
        return List.of();
      }

      @Override
      public List<String> labelValues(String name, List<Matcher> matchers) {
        return List.of();
      }
    };
  }

  /** {@code http://127.0.0.1:<port><prefix>/api/v1/<endpoint>?<params>}, params as alternating names and values. */
  static URI apiUri(int port, String prefix, String endpoint, String... params) {
    StringBuilder uri = new StringBuilder("http://127.0.0.1:").append(port)
        .append(prefix).append("/api/v1/").append(endpoint);
    for (int i = 0; i < params.length; i += 2) {
      uri.append(i == 0 ? '?' : '&').append(params[i]).append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    return URI.create(uri.toString());
  }

  HttpResponse<String> get(String prefix, String endpoint, String... params)
      throws IOException, InterruptedException {
    URI uri = apiUri(server.activeLocalPort(), prefix, endpoint, params);
    return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** POSTs the parameters as a form, as Grafana does for long queries. */
  HttpResponse<String> post(String prefix, String endpoint, String... params)
      throws IOException, InterruptedException {
    StringBuilder form = new StringBuilder();
    for (int i = 0; i < params.length; i += 2) {
      form.append(i == 0 ? "" : "&").append(params[i]).append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    URI uri = URI.create("http://127.0.0.1:" + server.activeLocalPort() + prefix + "/api/v1/" + endpoint);
    return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersStackOverflowAndOutOfMemoryInPrometheusJsonWithA500() throws Exception {
    Error[] thrown = {new StackOverflowError()};
    select = matchers -> {
      throw thrown[0];
    };
    HttpResponse<String> overflow = get(PROMETHEUS, "query", "query", "up", "time", "100");
    assertThat(overflow.statusCode()).isEqualTo(500);
    assertThat(overflow.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
    assertThat(overflow.body()).startsWith("{\"status\":\"error\",\"errorType\":\"internal\"")
        .contains("StackOverflowError");

    thrown[0] = new OutOfMemoryError("Java heap space");
    HttpResponse<String> oom = get(PROMETHEUS, "query_range", "query", "up", "start", "0", "end", "100", "step", "10");
    assertThat(oom.statusCode()).isEqualTo(500);
    assertThat(oom.body()).startsWith("{\"status\":\"error\",\"errorType\":\"internal\"").contains("OutOfMemoryError");
  }

  @Test
  void rejectsRegexAboveProgramSizeCapWithA400() throws Exception {
    HttpResponse<String> response = get(PROMETHEUS, "query", "query", "{__name__=~\"(((a{1000}){1000}){100})\"}", "time", "1");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"errorType\":\"bad_data\"").contains("invalid repeat count");
  }

  @Test
  void refusesQueryOneByteOverTheExpressionSizeLimitAndRunsOneExactlyAtIt() throws Exception {
    String atLimit = "up" + " ".repeat(MAX_EXPRESSION_BYTES - 2);
    assertThat(get(CAPPED, "query", "query", atLimit, "time", "1").statusCode()).isEqualTo(200);
    assertThat(get(CAPPED, "query_range", "query", atLimit, "start", "0", "end", "10", "step", "1").statusCode())
        .isEqualTo(200);

    String overLimit = atLimit + " ";
    for (HttpResponse<String> refused : List.of(get(CAPPED, "query", "query", overLimit, "time", "1"),
        post(CAPPED, "query_range", "query", overLimit, "start", "0", "end", "10", "step", "1"))) {
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body()).isEqualTo("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"the raw query"
          + " size in bytes exceeds the limit (query size: 65, limit: 64) (err-narthex-max-query-expression-size-bytes)."
          + " To adjust the related per-tenant limit, configure -query-frontend.max-query-expression-size-bytes, or"
          + " contact your service administrator.\"}");
    }
    assertThat(get(PROMETHEUS, "query", "query", overLimit, "time", "1").statusCode())
        .as("no limit by default in the API").isEqualTo(200);
  }

  @Test
  void countsTheExpressionSizeInUtf8BytesAsMimirDoes() throws Exception {
    // 64 characters, but the two-byte é makes it 65 bytes.
    String query = "up{job=\"é" + "x".repeat(MAX_EXPRESSION_BYTES - 11) + "\"}";
    assertThat(query).hasSize(MAX_EXPRESSION_BYTES);
    HttpResponse<String> refused = get(CAPPED, "query", "query", query, "time", "1");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("(query size: 65, limit: 64)");
  }

  @Test
  void refusesOneMebibyteRegexMatcherWithA400WithoutCompilingIt() throws Exception {
    // re2j compiles a literal run in quadratic time: this regex took minutes to accept before the length limit.
    String selector = "{__name__=~\"" + "a".repeat(1 << 20) + "\"}";
    HttpResponse<String> query = post(PROMETHEUS, "query", "query", selector, "time", "1");
    HttpResponse<String> series = post(PROMETHEUS, "series", "match[]", selector);
    for (HttpResponse<String> refused : List.of(query, series)) {
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body()).contains("\"errorType\":\"bad_data\"")
          .contains("expression too large: 1048576 characters").contains("err-narthex-regex-too-long");
    }
  }

  @Test
  void matchSelectorsHonourTheDeadlineWhileTheyAreParsed() throws Exception {
    // Each selector's regex may take a while to compile: a past deadline stops before the next one.
    for (String endpoint : new String[] {"series", "labels", "label/job/values"}) {
      HttpResponse<String> response = get(PROMETHEUS, endpoint, "match[]", "{a=~\"x.*\"}", "timeout", "-1");
      assertThat(response.statusCode()).as(endpoint).isEqualTo(503);
      assertThat(response.body()).as(endpoint).contains("\"errorType\":\"timeout\"")
          .contains("query timed out in query parsing");
    }
  }

  @Test
  void answersTooDeepQueryWithA400NamingTheLimit() throws Exception {
    HttpResponse<String> response = post(PROMETHEUS, "query", "query", "(".repeat(2000) + "1" + ")".repeat(2000), "time", "1");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"errorType\":\"bad_data\"").contains("more than 500 levels");
  }

  @Test
  void answersHugeSubqueryGridWith422TooManySamples() throws Exception {
    for (String query : new String[] {"count_over_time(vector(1)[1d:1ms])", "count_over_time(vector(1)[30d:1ms])"}) {
      HttpResponse<String> response = get(PROMETHEUS, "query", "query", query, "time", "1");
      assertThat(response.statusCode()).as(query).isEqualTo(422);
      assertThat(response.body()).isEqualTo("{\"status\":\"error\",\"errorType\":\"execution\",\"error\":"
          + "\"query processing would load too many samples into memory in query execution\"}");
    }
  }

  @Test
  void honoursTheTimeoutParameterFromBeforeParsing() throws Exception {
    for (String longer : new String[] {"1h", "290y"}) {
      assertThat(get(PROMETHEUS, "query", "query", "vector(1)", "time", "1", "timeout", longer).statusCode())
          .isEqualTo(200);
    }
    // Past Go's int64 nanoseconds (about 292 years) Prometheus cannot parse a duration either.
    assertThat(get(PROMETHEUS, "query", "query", "vector(1)", "time", "1", "timeout", "300y").statusCode())
        .isEqualTo(400);
    HttpResponse<String> evaluation = get(PROMETHEUS, "query", "query", "vector(1)", "time", "1", "timeout", "0s");
    assertThat(evaluation.statusCode()).isEqualTo(503);
    assertThat(evaluation.body()).isEqualTo(
        "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in expression evaluation\"}");
    // Long enough that the parser looks at the deadline (every 256 subexpressions, and before each regex).
    for (String query : new String[] {"1" + " + 1".repeat(300), "{a=~\"x.*\"}"}) {
      HttpResponse<String> parsing = get(PROMETHEUS, "query_range", "query", query, "start", "0", "end", "60",
          "step", "15", "timeout", "-1");
      assertThat(parsing.statusCode()).as(query).isEqualTo(503);
      assertThat(parsing.body()).as(query).contains("\"errorType\":\"timeout\"")
          .contains("query timed out in query parsing");
    }
    HttpResponse<String> series = get(PROMETHEUS, "series", "match[]", "up", "timeout", "0");
    assertThat(series.statusCode()).isEqualTo(503);
    assertThat(get(PROMETHEUS, "query", "query", "1", "timeout", "soon").body())
        .contains("invalid parameter \\\"timeout\\\"");
    assertThat(get(PROMETHEUS, "status/buildinfo", "timeout", "soon").statusCode()).isEqualTo(200);
  }

  @Test
  void queriesPastMaxConcurrentWaitUntilTheirDeadlineThenGet503() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    select = matchers -> {
      running.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return List.of();
    };
    CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
      try {
        return get(ONE_AT_A_TIME, "query", "query", "up", "time", "1");
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    running.await();
    HttpResponse<String> second = get(ONE_AT_A_TIME, "query", "query", "up", "time", "1", "timeout", "200ms");
    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(second.body()).contains("\"errorType\":\"timeout\"")
        .contains("query timed out in query queue: all 1 query slots stayed busy (-querier.max-concurrent)");
    // Lists are gated too; the unlimited API is not.
    assertThat(get(ONE_AT_A_TIME, "labels", "timeout", "100ms").statusCode()).isEqualTo(503);
    assertThat(get(PROMETHEUS, "query", "query", "vector(1)", "time", "1").statusCode()).isEqualTo(200);
    release.countDown();
    assertThat(first.get().statusCode()).isEqualTo(200);
    assertThat(get(ONE_AT_A_TIME, "query", "query", "vector(1)", "time", "1").statusCode()).isEqualTo(200);
  }

  /**
   * A bounded random run over HTTP: PromQL fragments glued at random (the engine-level fuzz test, PromqlFuzzTest,
   * covers far more inputs) get 2xx or 4xx, never 5xx. {@code -Dnarthex.fuzz.iterations} and
   * {@code -Dnarthex.fuzz.seed} run it longer or replay it.
   */
  @Test
  void randomQueriesAreAnsweredWith2xxOr4xxNever5xx() throws Exception {
    long seed = Long.getLong("narthex.fuzz.seed", 20261206L);
    int iterations = Math.min(Integer.getInteger("narthex.fuzz.iterations", 300), 100_000);
    String[] fragments = {"up", "{", "}", "(", ")", "[5m]", "[1d:1ms]", "=~", "\"(a{1000}){1000}\"", "\"\\uzz\"",
        "rate(", "sum by (job) (", "+", "-", "/", "^", "and", "offset 1m", "@ 1", "1e309", "NaN", ",", "vector(1)",
        "count_over_time(", "label_replace(", "\"x\"", "histogram_quantile(", "[", "]", ":", " "};
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < iterations; i++) {
      StringBuilder query = new StringBuilder();
      int n = 1 + random.nextInt(10);
      for (int f = 0; f < n; f++) {
        query.append(fragments[random.nextInt(fragments.length)]);
      }
      HttpResponse<String> response = random.nextBoolean()
          ? post(PROMETHEUS, "query", "query", query.toString(), "time", "100")
          : post(PROMETHEUS, "query_range", "query", query.toString(), "start", "0", "end", "3600", "step", "60");
      assertThat(response.statusCode()).as("seed %d iteration %d query %s: %s", seed, i, query, response.body())
          .isIn(200, 400, 422);
    }
  }
}
