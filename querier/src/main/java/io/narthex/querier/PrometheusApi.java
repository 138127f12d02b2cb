package io.narthex.querier;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.narthex.common.ErrorId;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.promql.Engine;
import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import io.narthex.promql.QueryResult;
import io.narthex.promql.parser.Parser;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import io.narthex.tsdb.storage.QueryDeadline;
import io.narthex.tsdb.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus HTTP API v1 (query, query_range, series, labels, label values, buildinfo) and {@code /federate},
 * with Prometheus's JSON shapes, status codes and {@code errorType}s, so that Grafana and promtool work against
 * {@code <host>/prometheus}. Every request is answered from the tenant it names only ({@code X-Scope-OrgID}, or the
 * basic-auth user name: {@link TenantResolver}); with
 * {@link #withTenantFederation tenant federation} on, a read request may name several ({@code a|b}), answered from
 * each as Mimir does.
 */
public final class PrometheusApi {
  private static final Logger log = LoggerFactory.getLogger(PrometheusApi.class);
  /** Prometheus's cap on points per series in a range query. */
  private static final long MAX_POINTS_PER_SERIES = 11_000;
  /** VictoriaMetrics' default {@code -search.maxFederateSeries}; Prometheus has no limit. */
  public static final int DEFAULT_MAX_FEDERATE_SERIES = 1_000_000;

  private final Engine engine;
  private final BiFunction<String, List<String>, Queryable> queryableForTenant;
  private final TenantResolver tenantResolver;
  private final String version;
  private SeriesDeleter seriesDeleter;
  /** One tenant's metric metadata; null: none is served. */
  private BiFunction<String, List<String>, MetadataSource> metadataForTenant;
  /** Slots for queries running at once; null when unlimited. */
  private Semaphore slots;
  private int maxConcurrent;
  /** Per tenant, the longest {@code query} parameter in UTF-8 bytes; 0 means unlimited. */
  private ToIntFunction<String> maxQueryExpressionSizeBytes = tenant -> 0;
  private TenantFederation federation = TenantFederation.DISABLED;
  private int maxFederateSeries = DEFAULT_MAX_FEDERATE_SERIES;

  /** Stores a tenant's deletion request: the samples in [startMs, endMs] of the series matching the matchers. */
  @FunctionalInterface
  public interface SeriesDeleter {
    /** @throws StorageException when the request could not be stored */
    void delete(String tenant, List<Matcher> matchers, long startMs, long endMs);
  }

  /**
   * @param queryableForTenant storage holding one tenant's series, and only that tenant's; it adds warnings about
   *     the read (such as a shard answered by a follower) to the given list, which the answer carries
   * @param tenantResolver how a request names its tenant ({@code X-Scope-OrgID}, or the basic-auth user name)
   */
  public PrometheusApi(Engine engine, BiFunction<String, List<String>, Queryable> queryableForTenant,
      TenantResolver tenantResolver, String version) {
    this.engine = engine;
    this.queryableForTenant = queryableForTenant;
    this.tenantResolver = tenantResolver;
    this.version = version;
  }

  /**
   * Lets at most {@code maxConcurrent} requests that read storage (query, query_range, series, labels, label values)
   * run at once, as Mimir's {@code -querier.max-concurrent}; the others wait until their deadline and then get 503
   * (errorType timeout). 0 means unlimited.
   */
  public PrometheusApi withMaxConcurrent(int maxConcurrent) {
    if (maxConcurrent < 0) {
      throw new IllegalArgumentException("maxConcurrent must be >= 0, got " + maxConcurrent);
    }
    this.maxConcurrent = maxConcurrent;
    this.slots = maxConcurrent == 0 ? null : new Semaphore(maxConcurrent, true);
    return this;
  }

  /**
   * Refuses a query or query_range whose {@code query} parameter is longer than the tenant's limit, in UTF-8 bytes,
   * before it is parsed: 400 (errorType bad_data) with {@code err-narthex-max-query-expression-size-bytes}, as Mimir's
   * per-tenant {@code max_query_expression_size_bytes}. Mimir's query-frontend applies it to instant, range and
   * remote read queries only, so the {@code match[]} selectors of series, labels and label values are not counted
   * (their regexes are bounded by {@link Parser#MAX_REGEX_LENGTH}). A limit of 0 means unlimited.
   *
   * @param maxBytesForTenant the limit of a tenant, read on every query so that runtime overrides apply at once
   */
  public PrometheusApi withMaxQueryExpressionSizeBytes(ToIntFunction<String> maxBytesForTenant) {
    this.maxQueryExpressionSizeBytes = maxBytesForTenant;
    return this;
  }

  /**
   * Mimir's tenant federation: when enabled, the read endpoints (query, query_range, series, labels, label values,
   * metadata, query_exemplars, federate) accept {@code X-Scope-OrgID: a|b|c}. The ids are sorted and de-duplicated,
   * each validated as a single tenant id (401 otherwise, as any invalid tenant); more than {@code maxTenants} is a
   * 400 {@code too many tenants, max: N, actual: M} ({@code err-narthex-tenant-federation-max-tenants}). Each tenant
   * is read through its own Queryable from the factory, so under its own limits; see {@link FederatedQueryable}. A
   * header naming one tenant is answered exactly as without federation. delete_series stays single-tenant.
   */
  public PrometheusApi withTenantFederation(TenantFederation federation) {
    this.federation = federation;
    return this;
  }

  /**
   * The most series one {@code /federate} request may match, over all its {@code match[]} selectors; more is a 400
   * naming the limit ({@code err-narthex-max-federate-series}). 0 means unlimited.
   */
  public PrometheusApi withMaxFederateSeries(int maxSeries) {
    if (maxSeries < 0) {
      throw new IllegalArgumentException("-querier.max-federate-series must be >= 0 (0 = unlimited), got "
          + maxSeries);
    }
    this.maxFederateSeries = maxSeries;
    return this;
  }

  /**
   * Serves {@code /api/v1/metadata} from each tenant's {@link MetadataSource}; without one it answers no metadata.
   *
   * @param metadataForTenant one tenant's metadata; warnings about the read go to the given list
   */
  public PrometheusApi withMetadataSource(BiFunction<String, List<String>, MetadataSource> metadataForTenant) {
    this.metadataForTenant = metadataForTenant;
    return this;
  }

  /**
   * Prometheus's metric metadata endpoint: {@code metric} (one family, or all when empty), {@code limit} (most
   * families; negative for all, 0 for none) and {@code limit_per_metric} (most entries per family when positive).
   * Answers {@code {"metric": [{"type", "help", "unit"}, ...]}}, families in name order; a limit that is not an
   * integer is 400 bad_data "limit must be a number" (Prometheus's web/api/v1 metricMetadata).
   */
  private byte[] metadata(ApiRequest request) {
    int limit = intParam(request, "limit");
    int limitPerMetric = intParam(request, "limit_per_metric");
    String metric = request.get("metric") == null ? "" : request.get("metric");
    java.util.SortedMap<String, List<MetadataSource.Metadata>> families = metadataForTenant == null
        ? new java.util.TreeMap<>() : metadataSource(request).metadata(metric);
    return ApiJson.data(json -> {
      json.writeStartObject();
      int written = 0;
      for (var family : families.entrySet()) {
        if (limit >= 0 && written >= limit) {
          break;
        }
        written++;
        json.writeArrayFieldStart(family.getKey());
        List<MetadataSource.Metadata> entries = family.getValue();
        int count = limitPerMetric > 0 ? Math.min(limitPerMetric, entries.size()) : entries.size();
        for (MetadataSource.Metadata entry : entries.subList(0, count)) {
          json.writeStartObject();
          json.writeStringField("type", entry.type());
          json.writeStringField("help", entry.help());
          json.writeStringField("unit", entry.unit());
          json.writeEndObject();
        }
        json.writeEndArray();
      }
      json.writeEndObject();
    });
  }

  /**
   * The request's metric metadata: its tenant's, or for federated tenants the union of theirs (Mimir's
   * {@code tenantfederation/merge_metadata.go}), read as federated series are: each tenant under its own name, at
   * most {@code -tenant-federation.max-concurrent} at once, a failing tenant failing the request naming it.
   */
  private MetadataSource metadataSource(ApiRequest request) {
    if (request.tenants().size() == 1) {
      return metadataForTenant.apply(request.tenant(), request.warnings());
    }
    return metric -> MetadataSource.merge(FederatedQueryable.forEachTenant(request.tenants(),
        federation.maxConcurrent(), tenant -> metadataForTenant.apply(tenant,
            FederatedQueryable.tenantWarnings(tenant, request.warnings())).metadata(metric)));
  }

  /** An integer parameter, -1 when absent or empty; otherwise 400 "{@code name} must be a number". */
  private static int intParam(ApiRequest request, String name) {
    String value = request.get(name);
    if (value == null || value.isEmpty()) {
      return -1;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new PromQLException(ErrorType.BAD_DATA, name + " must be a number");
    }
  }

  /** Enables Prometheus's {@code POST /api/v1/admin/tsdb/delete_series}. */
  public PrometheusApi withSeriesDeleter(SeriesDeleter deleter) {
    this.seriesDeleter = deleter;
    return this;
  }

  /** Registers the endpoints under {@code prefix}, e.g. {@code /prometheus}: the API and {@code <prefix>/federate}. */
  public void bind(ServerBuilder server, String prefix) {
    server.service(prefix + "/federate", handler(this::federate, true, true));
    String api = prefix + "/api/v1";
    server.service(api + "/query", gatedHandler(this::query));
    server.service(api + "/query_range", gatedHandler(this::queryRange));
    server.service(api + "/series", gatedHandler(this::series));
    server.service(api + "/labels", gatedHandler(this::labels));
    server.service(api + "/label/{name}/values", gatedHandler(this::labelValues));
    server.service(api + "/status/buildinfo", handler(this::buildInfo));
    server.service(api + "/metadata", gatedHandler(this::metadata));
    server.service(api + "/query_exemplars", handler((request) -> ApiJson.stringList(List.of())));
    if (seriesDeleter != null) {
      // Writes: one tenant only, so a|b is refused as an invalid tenant (401), as on the push path.
      server.service(api + "/admin/tsdb/delete_series", handler(json(this::deleteSeries), false, false));
    }
  }

  /**
   * Prometheus's delete_series: {@code match[]} (required, repeatable), {@code start} and {@code end} (default:
   * all time). Answers 204 once the request is stored; queries hide the samples from then on.
   */
  private byte[] deleteSeries(ApiRequest request) {
    if (request.ctx().method() != HttpMethod.POST && request.ctx().method() != HttpMethod.PUT) {
      throw new PromQLException(ErrorType.BAD_DATA, "delete_series needs POST or PUT");
    }
    List<String> matchParams = request.params().getAll("match[]");
    if (matchParams.isEmpty()) {
      throw new PromQLException(ErrorType.BAD_DATA, "no match[] parameter provided");
    }
    long[] range = timeRange(request);
    for (List<Matcher> matchers : matcherSets(matchParams, request)) {
      seriesDeleter.delete(request.tenant(), matchers, range[0], range[1]);
    }
    return null;
  }

  /**
   * @param tenant the tenant, or the federated tenants joined with {@code |}
   * @param tenants the sorted distinct tenants read: one unless federated
   * @param deadlineNanos {@link System#nanoTime()} by which the answer is due: from the request's arrival, the
   *     smaller of the {@code timeout} parameter and the engine's timeout ({@code -querier.timeout})
   */
  private record ApiRequest(String tenant, List<String> tenants, QueryParams params, ServiceRequestContext ctx,
      List<String> warnings, long deadlineNanos) {
    String get(String name) {
      return params.get(name);
    }

    /** @throws PromQLException TIMEOUT when the deadline has passed ("query timed out in {@code stage}") */
    void checkDeadline(String stage) {
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new PromQLException(ErrorType.TIMEOUT, "query timed out in " + stage);
      }
    }
  }

  /** The request's storage: its tenant's, or the federated tenants' merged (with their __tenant_id__). */
  private Queryable storage(ApiRequest request) {
    if (request.tenants().size() == 1) {
      return queryableForTenant.apply(request.tenant(), request.warnings());
    }
    return new FederatedQueryable(request.tenants(), queryableForTenant, request.warnings(),
        federation.maxConcurrent());
  }

  /** An endpoint answering Prometheus JSON, or null for 204. */
  @FunctionalInterface
  private interface Endpoint {
    byte[] handle(ApiRequest request);
  }

  /** An answer of an endpoint: its content type and body; null for 204. */
  private record Answer(MediaType type, byte[] body) {}

  @FunctionalInterface
  private interface AnyEndpoint {
    Answer handle(ApiRequest request);
  }

  private static AnyEndpoint json(Endpoint endpoint) {
    return request -> {
      byte[] body = endpoint.handle(request);
      return body == null ? null : new Answer(MediaType.JSON, body);
    };
  }

  /** A handler for an endpoint that reads no storage; tenants may be federated. */
  private HttpService handler(Endpoint endpoint) {
    return handler(json(endpoint), false, true);
  }

  /** A handler for an endpoint that reads storage: it waits for one of the max-concurrent slots. */
  private HttpService gatedHandler(Endpoint endpoint) {
    return handler(json(endpoint), true, true);
  }

  /**
   * @param gated whether the endpoint reads storage, so waits for a max-concurrent slot and takes a timeout
   * @param federable whether the endpoint reads, so may answer several tenants when federation is on
   */
  private HttpService handler(AnyEndpoint endpoint, boolean gated, boolean federable) {
    return (ctx, req) -> {
      if (req.method() != HttpMethod.GET && req.method() != HttpMethod.POST && req.method() != HttpMethod.PUT) {
        return HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED);
      }
      long receivedNanos = System.nanoTime(); // the deadline counts from here: queueing and parsing are inside it
      return HttpResponse.of(req.aggregate().thenApplyAsync(
          agg -> serve(endpoint, gated, federable, ctx, agg, receivedNanos), ctx.blockingTaskExecutor()));
    };
  }

  private HttpResponse serve(AnyEndpoint endpoint, boolean gated, boolean federable, ServiceRequestContext ctx,
      AggregatedHttpRequest req, long receivedNanos) {
    List<String> tenants;
    try {
      tenants = tenants(req.headers().get(Tenant.HEADER), req.headers().get(HttpHeaderNames.AUTHORIZATION),
          federable);
    } catch (Tenant.InvalidTenantException e) {
      // Mimir's auth middleware answers 401 in plain text; our own 400s take the API's JSON shape.
      return e.httpStatus() == HttpStatus.UNAUTHORIZED.code()
          ? HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n")
          : error(ErrorType.BAD_DATA, e.getMessage());
    } catch (PromQLException e) {
      return error(e.type(), e.getMessage());
    }
    String tenant = String.join("|", tenants);
    QueryParams params = ctx.queryParams();
    MediaType contentType = req.contentType();
    if ((req.method() == HttpMethod.POST || req.method() == HttpMethod.PUT) && contentType != null
        && contentType.is(MediaType.FORM_DATA)) {
      params = params.toBuilder().add(QueryParams.fromQueryString(req.contentUtf8())).build();
    }
    boolean admitted = false;
    try {
      // Only the endpoints that read storage take a timeout parameter, as in Prometheus.
      long deadlineNanos = receivedNanos + (gated ? timeoutNanos(params) : engine.options().timeout().toNanos());
      ApiRequest request = new ApiRequest(tenant, tenants, params, ctx, new ArrayList<>(), deadlineNanos);
      admitted = gated && admit(request);
      // Storage reads below wait for ingesters and store-gateways no longer than this deadline.
      Answer answer = QueryDeadline.call(deadlineNanos, () -> endpoint.handle(request));
      return answer == null ? HttpResponse.of(HttpStatus.NO_CONTENT)
          : HttpResponse.of(HttpStatus.OK, answer.type(), answer.body());
    } catch (PromQLException e) {
      return error(e.type(), e.getMessage());
    } catch (QueryDeadline.QueryTimeoutException e) {
      return error(ErrorType.TIMEOUT, e.getMessage());
    } catch (StorageException e) {
      log.warn("query failed tenant={} err=\"{}\"", tenant, e.getMessage());
      return error(ErrorType.INTERNAL, e.getMessage());
    } catch (RuntimeException e) {
      log.error("query failed tenant={}", tenant, e);
      return error(ErrorType.INTERNAL, e.toString());
    } catch (StackOverflowError | OutOfMemoryError e) {
      // One query's recursion or allocation failed; its frames and arrays are gone by now, so the process can go
      // on serving. Answer in the API's JSON shape rather than letting Armeria send a bare 500.
      log.error("query failed tenant={} params=\"{}\"", tenant, abbreviate(params.toQueryString()), e);
      return error(ErrorType.INTERNAL, "query failed with " + e.getClass().getSimpleName()
          + (e instanceof StackOverflowError ? ": the query nests too deeply" : ": the query needs more memory"
              + " than is free; narrow it (fewer series, a shorter range or a larger step)"));
    } finally {
      if (admitted) {
        slots.release();
      }
    }
  }

  /**
   * The tenants a request reads: the one it names, or with federation on (and a reading endpoint) every one of
   * {@code a|b|c}, sorted and de-duplicated, as dskit's {@code tenant.TenantIDs}.
   *
   * @throws Tenant.InvalidTenantException (401) when no tenant is named, or an id is invalid; 400 when the header
   *     and basic auth disagree
   * @throws PromQLException BAD_DATA (400) when it names more than {@code -tenant-federation.max-tenants}
   */
  private List<String> tenants(String orgIdHeader, String authorizationHeader, boolean federable) {
    if (!federation.enabled() || !federable) {
      return List.of(tenantResolver.resolve(orgIdHeader, authorizationHeader));
    }
    List<String> ids = tenantResolver.resolveFederated(orgIdHeader, authorizationHeader);
    if (federation.maxTenants() > 0 && ids.size() > federation.maxTenants()) {
      throw new PromQLException(ErrorType.BAD_DATA, ErrorId.TENANT_FEDERATION_MAX_TENANTS.withId(
          "too many tenants, max: " + federation.maxTenants() + ", actual: " + ids.size()));
    }
    return ids;
  }

  /**
   * Waits, until the request's deadline, for one of the {@code -querier.max-concurrent} slots, as Prometheus's query
   * queue does ({@code -query.max-concurrency}).
   *
   * @return whether a slot was taken (false when unlimited), to be released after the request
   * @throws PromQLException TIMEOUT (503) when no slot frees up in time; CANCELED when interrupted
   */
  private boolean admit(ApiRequest request) {
    if (slots == null) {
      return false;
    }
    try {
      if (!slots.tryAcquire(Math.max(0, request.deadlineNanos() - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new PromQLException(ErrorType.TIMEOUT, "query timed out in query queue: all " + maxConcurrent
            + " query slots stayed busy (-querier.max-concurrent)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PromQLException(ErrorType.CANCELED, "query was canceled in query queue");
    }
    return true;
  }

  /**
   * The request's time budget: the engine's timeout ({@code -querier.timeout}), or the {@code timeout} parameter
   * when that is smaller (Prometheus and Mimir apply it as a context deadline on top of the engine's).
   */
  private long timeoutNanos(QueryParams params) {
    long serverNanos = engine.options().timeout().toNanos();
    String timeout = params.get("timeout");
    if (timeout == null || timeout.isEmpty()) {
      return serverNanos;
    }
    long requestedMs = ApiParams.parseDuration("timeout", timeout);
    // Compared in milliseconds: a long duration such as 300y overflows as nanoseconds.
    return requestedMs >= serverNanos / 1_000_000 ? serverNanos : requestedMs * 1_000_000;
  }

  private static String abbreviate(String text) {
    return text.length() <= 1000 ? text : text.substring(0, 1000) + "...";
  }

  private static HttpResponse error(ErrorType type, String message) {
    HttpStatus status = switch (type) {
      case BAD_DATA -> HttpStatus.BAD_REQUEST;
      case EXECUTION -> HttpStatus.UNPROCESSABLE_ENTITY;
      case TIMEOUT -> HttpStatus.SERVICE_UNAVAILABLE;
      case CANCELED -> HttpStatus.valueOf(499);
      case INTERNAL -> HttpStatus.INTERNAL_SERVER_ERROR;
    };
    return HttpResponse.of(status, MediaType.JSON, ApiJson.error(type.apiName(), message));
  }

  private byte[] query(ApiRequest request) {
    String time = request.get("time");
    long timeMs = time == null || time.isEmpty() ? System.currentTimeMillis() : ApiParams.parseTime("time", time);
    String query = requireQuery(request);
    checkExpressionSize(request.tenants(), query);
    Queryable storage = storage(request);
    return ApiJson.success(
        withQueryParameter(() -> engine.instantQuery(storage, query, timeMs, request.deadlineNanos())),
        request.warnings(),
        ApiJson.StatsMode.of(request.get("stats")));
  }

  private byte[] queryRange(ApiRequest request) {
    long startMs = ApiParams.parseTime("start", required(request, "start"));
    long endMs = ApiParams.parseTime("end", required(request, "end"));
    if (endMs < startMs) {
      throw new PromQLException(ErrorType.BAD_DATA, "end timestamp must not be before start time");
    }
    long stepMs = ApiParams.parseDuration("step", required(request, "step"));
    if (stepMs <= 0) {
      throw new PromQLException(ErrorType.BAD_DATA,
          "zero or negative query resolution step widths are not accepted. Try a positive integer");
    }
    long spanMs;
    try {
      spanMs = Math.subtractExact(endMs, startMs);
    } catch (ArithmeticException e) {
      spanMs = Long.MAX_VALUE;
    }
    if (spanMs / stepMs > MAX_POINTS_PER_SERIES) {
      throw new PromQLException(ErrorType.BAD_DATA,
          "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution"
              + " (?step=XX)");
    }
    String query = requireQuery(request);
    checkExpressionSize(request.tenants(), query);
    Queryable storage = storage(request);
    return ApiJson.success(
        withQueryParameter(() -> engine.rangeQuery(storage, query, startMs, endMs, stepMs, request.deadlineNanos())),
        request.warnings(),
        ApiJson.StatsMode.of(request.get("stats")));
  }

  private byte[] series(ApiRequest request) {
    List<String> matchParams = request.params().getAll("match[]");
    if (matchParams.isEmpty()) {
      throw new PromQLException(ErrorType.BAD_DATA, "no match[] parameter provided");
    }
    long[] range = timeRange(request);
    TreeSet<Labels> series = new TreeSet<>();
    try (Querier querier = storage(request).querier(range[0], range[1])) {
      for (List<Matcher> matchers : matcherSets(matchParams, request)) {
        SelectHints labelsOnly = new SelectHints(range[0], range[1], 0, MergingQueryable.SERIES_FUNCTION, 0);
        for (Series s : querier.select(false, labelsOnly, matchers)) {
          series.add(s.labels());
        }
        request.checkDeadline("series selection");
      }
    }
    return ApiJson.seriesList(new ArrayList<>(series));
  }

  private byte[] labels(ApiRequest request) {
    long[] range = timeRange(request);
    List<String> matchParams = request.params().getAll("match[]");
    TreeSet<String> names = new TreeSet<>();
    try (Querier querier = storage(request).querier(range[0], range[1])) {
      if (matchParams.isEmpty()) {
        names.addAll(querier.labelNames(List.of()));
      } else {
        for (List<Matcher> matchers : matcherSets(matchParams, request)) {
          names.addAll(querier.labelNames(matchers));
          request.checkDeadline("label names selection");
        }
      }
    }
    return ApiJson.stringList(new ArrayList<>(names));
  }

  private byte[] labelValues(ApiRequest request) {
    String name = request.ctx().pathParam("name");
    if (name == null || !Labels.isValidLabelName(name)) {
      throw new PromQLException(ErrorType.BAD_DATA, "invalid label name: \"" + name + "\"");
    }
    long[] range = timeRange(request);
    List<String> matchParams = request.params().getAll("match[]");
    TreeSet<String> values = new TreeSet<>();
    try (Querier querier = storage(request).querier(range[0], range[1])) {
      if (matchParams.isEmpty()) {
        values.addAll(querier.labelValues(name, List.of()));
      } else {
        for (List<Matcher> matchers : matcherSets(matchParams, request)) {
          values.addAll(querier.labelValues(name, matchers));
          request.checkDeadline("label values selection");
        }
      }
    }
    return ApiJson.stringList(new ArrayList<>(values));
  }

  private byte[] buildInfo(ApiRequest request) {
    return ApiJson.data(json -> {
      json.writeStartObject();
      json.writeStringField("application", "Narthex");
      json.writeStringField("version", version);
      json.writeStringField("revision", "");
      json.writeStringField("branch", "");
      json.writeStringField("buildUser", "");
      json.writeStringField("buildDate", "");
      json.writeStringField("goVersion", "");
      json.writeStringField("javaVersion", Runtime.version().toString());
      json.writeEndObject();
    });
  }

  /**
   * Prometheus's {@code /federate}: the latest sample of each series matching a {@code match[]} selector, within the
   * engine's lookback delta before now; text format 0.0.4, or delimited protobuf when {@code Accept} asks for it (see
   * {@link Federate}). No selector answers nothing, as in Prometheus; a bad one is a 400.
   */
  private Answer federate(ApiRequest request) {
    List<List<Matcher>> matcherSets = matcherSets(request.params().getAll("match[]"), request);
    long nowMs = System.currentTimeMillis();
    long minTimeMs = nowMs - engine.options().lookbackDelta().toMillis();
    List<Federate.Sample> samples = List.of();
    if (!matcherSets.isEmpty()) {
      try (Querier querier = storage(request).querier(minTimeMs, nowMs)) {
        samples = Federate.latest(querier, matcherSets, minTimeMs, nowMs, maxFederateSeries,
            () -> request.checkDeadline("series selection"));
      }
    }
    if (Federate.wantsProtobuf(request.ctx().request().headers().get(HttpHeaderNames.ACCEPT))) {
      return new Answer(MediaType.parse(Federate.PROTOBUF_CONTENT_TYPE), Federate.protobuf(samples));
    }
    return new Answer(MediaType.parse(Federate.TEXT_CONTENT_TYPE), Federate.text(samples));
  }

  /**
   * Parses every {@code match[]} selector, failing with TIMEOUT once the request's deadline passes (checked before
   * each regex is compiled, so that many selectors cannot hold a query slot past it).
   */
  private static List<List<Matcher>> matcherSets(List<String> matchParams, ApiRequest request) {
    List<List<Matcher>> sets = new ArrayList<>(matchParams.size());
    for (String match : matchParams) {
      try {
        sets.add(Parser.parseMetricSelector(match, request.deadlineNanos()));
      } catch (PromQLException e) {
        if (e.type() == ErrorType.BAD_DATA) {
          throw ApiParams.badParameter("match[]", e.getMessage());
        }
        throw e;
      }
    }
    return sets;
  }

  private static long[] timeRange(ApiRequest request) {
    String start = request.get("start");
    String end = request.get("end");
    long startMs = start == null || start.isEmpty() ? ApiParams.MIN_TIME_MS : ApiParams.parseTime("start", start);
    long endMs = end == null || end.isEmpty() ? ApiParams.MAX_TIME_MS : ApiParams.parseTime("end", end);
    if (endMs < startMs) {
      throw new PromQLException(ErrorType.BAD_DATA, "end timestamp must not be before start time");
    }
    return new long[] {startMs, endMs};
  }

  /** Runs a query; a bad_data error is about the query text, so it names the parameter as Prometheus does. */
  private static QueryResult withQueryParameter(java.util.function.Supplier<QueryResult> run) {
    try {
      return run.get();
    } catch (PromQLException e) {
      if (e.type() == ErrorType.BAD_DATA) {
        throw ApiParams.badParameter("query", e.getMessage());
      }
      throw e;
    }
  }

  /**
   * @throws PromQLException BAD_DATA (400) in the shape of Mimir's {@code err-mimir-max-query-expression-size-bytes}
   *     when {@code query} is longer than the tenant's {@code max_query_expression_size_bytes}; for federated
   *     tenants the smallest non-zero limit among them, as Mimir's query-frontend takes it
   */
  private void checkExpressionSize(List<String> tenants, String query) {
    int limitBytes = 0;
    for (String tenant : tenants) {
      int tenantLimit = maxQueryExpressionSizeBytes.applyAsInt(tenant);
      if (tenantLimit > 0 && (limitBytes == 0 || tenantLimit < limitBytes)) {
        limitBytes = tenantLimit;
      }
    }
    if (limitBytes <= 0 || query.length() <= limitBytes / 3) { // at most 3 UTF-8 bytes per UTF-16 unit
      return;
    }
    long sizeBytes = utf8Length(query);
    if (sizeBytes > limitBytes) {
      throw new PromQLException(ErrorType.BAD_DATA, ErrorId.MAX_QUERY_EXPRESSION_SIZE_BYTES.withId(
          "the raw query size in bytes exceeds the limit (query size: " + sizeBytes + ", limit: " + limitBytes + ")")
          + ". To adjust the related per-tenant limit, configure -query-frontend.max-query-expression-size-bytes, or"
          + " contact your service administrator.");
    }
  }

  /** The length of {@code s} encoded as UTF-8, as Go's {@code len} of the query string that Mimir compares. */
  static long utf8Length(String s) {
    long bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800 || Character.isSurrogate(c)) {
        bytes += 2; // a surrogate pair is 4 bytes, 2 per unit
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private static String requireQuery(ApiRequest request) {
    String query = request.get("query");
    return query == null ? "" : query;
  }

  private static String required(ApiRequest request, String name) {
    String value = request.get(name);
    if (value == null || value.isEmpty()) {
      throw ApiParams.badParameter(name, "cannot parse \"\" to a valid " + (name.equals("step") ? "duration" : "timestamp"));
    }
    return value;
  }
}
