package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.StorageException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenant federation over HTTP, as Mimir's ({@code -tenant-federation.*}): every tenant a real in-memory head read
 * through MergingQueryable with that tenant's own fetch limits, as the querier wires it.
 */
class TenantFederationTest {
  private static final String FEDERATED = "/federated";
  private static final String UNFEDERATED = "/unfederated";
  private static final String FROM_BASIC_AUTH = "/basic-auth";
  private static final String TIME = "1000";
  private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final ObjectMapper mapper = new ObjectMapper();
  private static final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private static final Map<String, HeadChunkSource> heads = new TreeMap<>();
  /** Every tenant whose storage the API asked for. */
  private static final java.util.Set<String> opened = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static Server server;

  @BeforeAll
  static void start() {
    heads.put("a", new HeadChunkSource()
        .add(Labels.of("__name__", "up", "job", "api"), 1_000_000, 1)
        .add(Labels.of("__name__", "up", "job", "db"), 1_000_000, 1));
    heads.put("b", new HeadChunkSource()
        .add(Labels.of("__name__", "up", "job", "api"), 1_000_000, 2)
        .add(Labels.of("__name__", "build_info", "__tenant_id__", "x", "version", "1"), 1_000_000, 1));
    heads.put("small", new HeadChunkSource()
        .add(Labels.of("__name__", "up", "job", "s1"), 1_000_000, 3)
        .add(Labels.of("__name__", "up", "job", "s2"), 1_000_000, 3));
    BiFunction<String, List<String>, Queryable> perTenant = (tenant, warnings) -> {
      opened.add(tenant);
      ChunkSource source = tenant.equals("broken") ? failingSource()
          : heads.getOrDefault(tenant, new HeadChunkSource());
      FetchLimits limits = tenant.equals("small") ? new FetchLimits(1, 0, 0) : FetchLimits.UNLIMITED;
      Queryable storage = new MergingQueryable(source, null, Duration.ZERO, Duration.ZERO, Clock.systemUTC(),
          executor).withLimits(limits);
      if (!tenant.equals("follower")) {
        return storage;
      }
      return (minTimeMs, maxTimeMs) -> {
        synchronized (warnings) { // as ShardReaders adds its warnings
          warnings.add("shard 0 has no reachable leader: read from follower n2");
        }
        return storage.querier(minTimeMs, maxTimeMs);
      };
    };
    ServerBuilder builder = Server.builder().http(0);
    new PrometheusApi(new Engine(EngineOptions.defaults()), perTenant, TenantResolver.DEFAULT, "test")
        .withTenantFederation(new TenantFederation(true, 3, 2))
        .withSeriesDeleter((tenant, matchers, startMs, endMs) -> { })
        .withMetadataSource((tenant, warnings) -> metric -> metadataOf(tenant))
        .bind(builder, FEDERATED);
    new PrometheusApi(new Engine(EngineOptions.defaults()), perTenant, TenantResolver.DEFAULT, "test")
        .bind(builder, UNFEDERATED);
    new PrometheusApi(new Engine(EngineOptions.defaults()), perTenant, new TenantResolver(true, true), "test")
        .withTenantFederation(new TenantFederation(true, 3, 2))
        .bind(builder, FROM_BASIC_AUTH);
    server = builder.build();
    server.start().join();
  }

  @AfterAll
  static void stop() {
    server.stop().join();
    executor.close();
  }

  /** Each tenant's metric metadata: requests_total alike in a and b, up with a different help text in each. */
  private static java.util.SortedMap<String, List<MetadataSource.Metadata>> metadataOf(String tenant) {
    MetadataSource.Metadata requests = new MetadataSource.Metadata("counter", "Requests served.", "");
    return switch (tenant) {
      case "a" -> new TreeMap<>(Map.of("requests_total", List.of(requests),
          "up", List.of(new MetadataSource.Metadata("gauge", "Up.", ""))));
      case "b" -> new TreeMap<>(Map.of("requests_total", List.of(requests),
          "up", List.of(new MetadataSource.Metadata("gauge", "Whether the target is up.", ""))));
      case "broken" -> throw new StorageException("no replica of shard 3 answered");
      default -> new TreeMap<>();
    };
  }

  private static ChunkSource failingSource() {
    return new ChunkSource() {
      @Override
      public List<io.narthex.tsdb.storage.EncodedSeries> select(long startMs, long endMs, SelectHints hints,
          List<Matcher> matchers) {
        throw new StorageException("no replica of shard 3 answered");
      }

      @Override
      public List<String> labelNames(long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
        throw new StorageException("no replica of shard 3 answered");
      }

      @Override
      public List<String> labelValues(String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
        throw new StorageException("no replica of shard 3 answered");
      }
    };
  }

  static HttpResponse<String> get(String prefix, String orgId, String endpoint, String... params)
      throws IOException, InterruptedException {
    URI uri = PrometheusApiTest.apiUri(server.activeLocalPort(), prefix, endpoint, params);
    return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1))
        .header(Tenant.HEADER, orgId).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** An instant query of {@code up} with {@code Authorization: Basic <user:pw>}, and the header when not null. */
  private static HttpResponse<String> queryUpAs(String basicAuthUser, String orgId)
      throws IOException, InterruptedException {
    URI uri = PrometheusApiTest.apiUri(server.activeLocalPort(), FROM_BASIC_AUTH, "query", "query", "up", "time",
        TIME);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1)).header("Authorization",
        "Basic " + java.util.Base64.getEncoder().encodeToString((basicAuthUser + ":pw").getBytes()));
    if (orgId != null) {
      request.header(Tenant.HEADER, orgId);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readsTheBasicAuthUsersTenantFederatedAsTheHeaderAndRefusesAHeaderThatDiffers() throws Exception {
    assertThat(series(queryUpAs("a", null))).containsExactlyInAnyOrder("{__name__=up, job=api}=1",
        "{__name__=up, job=db}=1");
    assertThat(series(queryUpAs("b|a", null))).containsExactlyInAnyOrder(
        "{__name__=up, __tenant_id__=a, job=api}=1",
        "{__name__=up, __tenant_id__=a, job=db}=1",
        "{__name__=up, __tenant_id__=b, job=api}=2");
    assertThat(series(queryUpAs("b", "b"))).containsExactly("{__name__=up, job=api}=2");

    HttpResponse<String> differ = queryUpAs("a", "b");
    assertThat(differ.statusCode()).isEqualTo(400);
    JsonNode error = mapper.readTree(differ.body());
    assertThat(error.get("errorType").asText()).isEqualTo("bad_data");
    assertThat(error.get("error").asText()).isEqualTo("the X-Scope-OrgID header names tenant 'b' but the basic-auth"
        + " user name is 'a'; send one of them, or the same tenant in both"
        + " (err-narthex-tenant-header-and-basic-auth-differ)");
    assertThat(queryUpAs("a/b", null).statusCode()).isEqualTo(401);
  }

  /** The label sets of a query answer's series, each as a sorted map printed, with their values. */
  private static List<String> series(HttpResponse<String> response) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    for (JsonNode result : mapper.readTree(response.body()).get("data").get("result")) {
      TreeMap<String, String> labels = new TreeMap<>();
      result.get("metric").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
      JsonNode value = result.has("value") ? result.get("value") : result.get("values").get(0);
      out.add(labels + "=" + value.get(1).asText());
    }
    return out;
  }

  private static List<String> strings(HttpResponse<String> response) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    mapper.readTree(response.body()).get("data").forEach(node -> out.add(node.isTextual() ? node.asText()
        : node.toString()));
    return out;
  }

  @Test
  void federatedQueryIsTheUnionOfTheTenantsEachWithItsTenantId() throws Exception {
    assertThat(series(get(FEDERATED, "b|a", "query", "query", "up", "time", TIME))).containsExactlyInAnyOrder(
        "{__name__=up, __tenant_id__=a, job=api}=1",
        "{__name__=up, __tenant_id__=a, job=db}=1",
        "{__name__=up, __tenant_id__=b, job=api}=2");
    assertThat(series(get(FEDERATED, "a|b", "query_range", "query", "up", "start", TIME, "end", TIME,
        "step", "15"))).hasSize(3);
  }

  @Test
  void thePromqlEngineAggregatesOverTheMergedTenants() throws Exception {
    assertThat(series(get(FEDERATED, "a|b", "query", "query", "sum by (__tenant_id__) (up)", "time", TIME)))
        .containsExactlyInAnyOrder("{__tenant_id__=a}=2", "{__tenant_id__=b}=2");
    assertThat(series(get(FEDERATED, "a|b", "query_range", "query", "sum(up)", "start", TIME, "end", TIME,
        "step", "15"))).containsExactly("{}=4");
  }

  @Test
  void aTenantIdMatcherReadsOnlyTheChosenTenants() throws Exception {
    assertThat(series(get(FEDERATED, "a|b", "query", "query", "up{__tenant_id__=\"b\"}", "time", TIME)))
        .containsExactly("{__name__=up, __tenant_id__=b, job=api}=2");
    // The broken tenant is not read at all when the matcher leaves it out, nor is its storage opened.
    assertThat(series(get(FEDERATED, "a|broken", "query", "query", "up{__tenant_id__!=\"broken\",job=\"db\"}",
        "time", TIME))).containsExactly("{__name__=up, __tenant_id__=a, job=db}=1");
    assertThat(series(get(FEDERATED, "a|unread", "query", "query", "up{__tenant_id__=\"a\",job=\"db\"}",
        "time", TIME))).hasSize(1);
    assertThat(opened).contains("a").doesNotContain("unread");
  }

  @Test
  void anExistingTenantIdLabelMovesToOriginalTenantId() throws Exception {
    String expected = "{__name__=build_info, __tenant_id__=b, original___tenant_id__=x, version=1}=1";
    assertThat(series(get(FEDERATED, "a|b", "query", "query", "build_info", "time", TIME)))
        .containsExactly(expected);
    // A matcher on the original label is passed on as one on the tenant's own __tenant_id__.
    assertThat(series(get(FEDERATED, "a|b", "query", "query", "{original___tenant_id__=\"x\"}", "time", TIME)))
        .containsExactly(expected);
  }

  @Test
  void seriesLabelsAndLabelValuesIncludeTheTenants() throws Exception {
    assertThat(strings(get(FEDERATED, "a|b", "labels")))
        .containsExactly("__name__", "__tenant_id__", "job", "original___tenant_id__", "version");
    assertThat(strings(get(FEDERATED, "a|b", "label/__tenant_id__/values"))).containsExactly("a", "b");
    assertThat(strings(get(FEDERATED, "a|b", "label/__tenant_id__/values", "match[]", "{__tenant_id__=~\"b|c\"}")))
        .containsExactly("b");
    assertThat(strings(get(FEDERATED, "a|b", "label/job/values"))).containsExactly("api", "db");
    assertThat(strings(get(FEDERATED, "a|b", "label/original___tenant_id__/values"))).containsExactly("x");
    assertThat(strings(get(FEDERATED, "a|b", "series", "match[]", "up{job=\"api\"}"))).containsExactly(
        "{\"__name__\":\"up\",\"__tenant_id__\":\"a\",\"job\":\"api\"}",
        "{\"__name__\":\"up\",\"__tenant_id__\":\"b\",\"job\":\"api\"}");
  }

  @Test
  void aSingleTenantIsAnsweredExactlyAsWithoutFederation() throws Exception {
    HttpResponse<String> unfederated = get(UNFEDERATED, "a", "query", "query", "up", "time", TIME);
    for (String orgId : new String[] {"a", "a|a"}) {
      HttpResponse<String> federated = get(FEDERATED, orgId, "query", "query", "up", "time", TIME);
      assertThat(federated.body()).as(orgId).isEqualTo(unfederated.body()).doesNotContain("__tenant_id__");
    }
    assertThat(strings(get(FEDERATED, "a", "labels"))).containsExactly("__name__", "job");
  }

  @Test
  void moreTenantsThanMaxTenantsIsA400NamingTheLimit() throws Exception {
    HttpResponse<String> response = get(FEDERATED, "a|b|c|d|a", "query", "query", "up", "time", TIME);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).isEqualTo("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":"
        + "\"too many tenants, max: 3, actual: 4 (err-narthex-tenant-federation-max-tenants)\"}");
    assertThat(get(FEDERATED, "a|b|c|a", "labels").statusCode()).as("duplicates count once").isEqualTo(200);
  }

  @Test
  void withoutFederationSeveralTenantsAreRefusedAsToday() throws Exception {
    HttpResponse<String> response = get(UNFEDERATED, "a|b", "query", "query", "up", "time", TIME);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).isEqualTo("multiple org ids are not supported here: a|b\n");
  }

  @Test
  void anInvalidTenantAmongSeveralIsRefused() throws Exception {
    for (String orgId : new String[] {"a|b@c", "a||b", "a|.."}) {
      assertThat(get(FEDERATED, orgId, "labels").statusCode()).as(orgId).isEqualTo(401);
    }
    assertThat(get(FEDERATED, "a|b@c", "labels").body()).contains("unsupported character '@'");
  }

  @Test
  void eachTenantIsReadUnderItsOwnLimits() throws Exception {
    // "small" may fetch one series per query; "a" is unlimited and reads two.
    assertThat(series(get(FEDERATED, "a|b", "query", "query", "up", "time", TIME))).hasSize(3);
    HttpResponse<String> response = get(FEDERATED, "a|small", "query", "query", "up", "time", TIME);
    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(response.body()).contains("\"error\":\"error querying tenant_id small: the query exceeded the"
        + " maximum number of series (limit: 1 series) (err-narthex-max-series-per-query)");
  }

  @Test
  void aFailingTenantFailsTheWholeRequestNamingIt() throws Exception {
    for (String endpoint : new String[] {"query", "labels", "label/job/values", "series"}) {
      HttpResponse<String> response = get(FEDERATED, "a|broken", endpoint, "query", "up", "time", TIME,
          "match[]", "up");
      assertThat(response.statusCode()).as(endpoint).isEqualTo(500);
      assertThat(response.body()).as(endpoint)
          .contains("error querying tenant_id broken: no replica of shard 3 answered");
    }
  }

  @Test
  void aTenantsWarningsNameTheTenant() throws Exception {
    HttpResponse<String> response = get(FEDERATED, "a|follower", "query", "query", "up", "time", TIME);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(mapper.readTree(response.body()).get("warnings").toString()).isEqualTo(
        "[\"warning querying tenant_id follower: shard 0 has no reachable leader: read from follower n2\"]");
  }

  @Test
  void metadataOfSeveralTenantsIsTheirUnion() throws Exception {
    HttpResponse<String> response = get(FEDERATED, "a|b", "metadata");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(mapper.readTree(response.body()).get("data").toString()).isEqualTo("{"
        + "\"requests_total\":[{\"type\":\"counter\",\"help\":\"Requests served.\",\"unit\":\"\"}],"
        + "\"up\":[{\"type\":\"gauge\",\"help\":\"Up.\",\"unit\":\"\"},"
        + "{\"type\":\"gauge\",\"help\":\"Whether the target is up.\",\"unit\":\"\"}]}");
    HttpResponse<String> failed = get(FEDERATED, "a|broken", "metadata");
    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(failed.body()).contains("error querying tenant_id broken: no replica of shard 3 answered");
  }

  @Test
  void exemplarsAcceptSeveralTenantsButDeleteSeriesDoesNot() throws Exception {
    assertThat(get(FEDERATED, "a|b", "query_exemplars", "query", "up").statusCode()).isEqualTo(200);
    URI delete = URI.create("http://127.0.0.1:" + server.activeLocalPort() + FEDERATED
        + "/api/v1/admin/tsdb/delete_series?match[]=up");
    HttpResponse<String> refused = client.send(HttpRequest.newBuilder(delete).header(Tenant.HEADER, "a|b")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).isEqualTo("multiple org ids are not supported here: a|b\n");
  }

  /** Six tenants whose selects each wait for a partner: with max-concurrent 2 exactly two run at a time. */
  @Test
  void subQueriesRunAtMostMaxConcurrentAtOnce() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostRunning = new AtomicInteger();
    CyclicBarrier pairs = new CyclicBarrier(2);
    Queryable storage = PrometheusApiTest.storage(matchers -> {
      mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        pairs.await(30, TimeUnit.SECONDS); // fails the test (broken barrier) if sub-queries ran one by one
      } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
        throw new StorageException("no partner sub-query: " + e, e);
      } finally {
        running.decrementAndGet();
      }
      return List.of();
    });
    List<String> tenants = List.of("t1", "t2", "t3", "t4", "t5", "t6");
    FederatedQueryable federated = new FederatedQueryable(tenants, (tenant, warnings) -> storage,
        new ArrayList<>(), 2);
    try (Querier querier = federated.querier(0, 1)) {
      assertThat(querier.select(false, null, List.of(Matcher.equal("__name__", "up")))).isEmpty();
    }
    assertThat(mostRunning.get()).isEqualTo(2);
  }
}
