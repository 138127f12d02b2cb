package io.narthex.alertmanager.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.InvalidConfigException;
import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.MultitenantAlertmanager;
import io.narthex.alertmanager.replication.EntryTooLargeException;
import io.narthex.alertmanager.replication.StateUnavailableException;
import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.Dispatcher;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.common.ErrorId;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Alertmanager's API v2 for every tenant, under {@code <prefix>/api/v2} (Mimir's
 * {@code -http.alertmanager-http-prefix}, {@code /alertmanager}), in the shapes of Alertmanager 0.25's
 * {@code api/v2/openapi.yaml} and with its messages:
 *
 * <ul>
 *   <li>{@code GET status}: {@code cluster {status: ready, peers: []}}, {@code versionInfo}, {@code config
 *       {original: <the tenant's config as written>}}, {@code uptime}
 *   <li>{@code GET receivers}: {@code [{name}]}
 *   <li>{@code GET alerts} ({@code filter} matchers, {@code active}, {@code silenced}, {@code inhibited},
 *       {@code unprocessed}, {@code receiver} regex): unresolved alerts by fingerprint; {@code POST alerts}: 200, or
 *       400 naming each invalid alert (the valid ones are stored)
 *   <li>{@code GET alerts/groups} (same filters but {@code unprocessed}): groups by labels, then receiver
 *   <li>{@code GET silences} ({@code filter}): active, then pending, then expired; {@code POST silences}: create, or
 *       update by {@code id}; 200 {@code {"silenceID": ..}}, 400 when refused, 404 for an unknown id
 *   <li>{@code GET silence/{id}}: 200 or 404; {@code DELETE silence/{id}}: expires it, 200 (also when already
 *       expired, as 0.25), 404 unknown (Mimir; 0.25 answers 500); 422 when the id is not a UUID
 * </ul>
 *
 * <p>Errors are JSON strings, Alertmanager's message with an {@link ErrorId} appended; request shapes the OpenAPI
 * validator refuses get its {@code {"code":..,"message":..}} with 422, a body that is not JSON 415/400. The tenant is
 * the request's as {@link TenantResolver} tells it (401 without one). A body is at most {@code maxRequestBytes} (413
 * beyond), and a query at most {@value #MAX_FILTERS} {@code filter} parameters.
 */
public final class AlertmanagerApiV2 {
  /** The most {@code filter} parameters a query may have. */
  public static final int MAX_FILTERS = 100;

  private static final ObjectMapper JSON = new ObjectMapper();
  // strfmt.DateTime's output: milliseconds, UTC.
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);
  private static final String GO_ZERO_TIME = "0001-01-01T00:00:00.000Z";
  private static final java.util.regex.Pattern SEMVER =
      java.util.regex.Pattern.compile("\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?");

  private final MultitenantAlertmanager alertmanagers;
  private final TenantResolver tenantResolver;
  private final String version;
  private final Instant started;
  private final long maxRequestBytes;

  /**
   * @param version this build's version, reported as {@code versionInfo.version}; amtool parses it as semver, so
   *     anything else is reported as {@code 0.0.0}
   * @param maxRequestBytes the largest body accepted ({@code -alertmanager.max-recv-msg-size})
   */
  public AlertmanagerApiV2(MultitenantAlertmanager alertmanagers, TenantResolver tenantResolver, String version,
      Instant started, long maxRequestBytes) {
    this.alertmanagers = alertmanagers;
    this.tenantResolver = tenantResolver;
    this.version = SEMVER.matcher(version).matches() ? version : "0.0.0";
    this.started = started;
    this.maxRequestBytes = maxRequestBytes;
  }

  /** Binds the routes under {@code prefix} (e.g. {@code /alertmanager}). */
  public void bind(ServerBuilder http, String prefix) {
    String base = prefix + "/api/v2";
    route(http, base + "/status", (req, tenant) -> switch (req.method()) {
      case GET -> status(tenant);
      default -> notAllowed(req.method());
    });
    route(http, base + "/receivers", (req, tenant) -> switch (req.method()) {
      case GET -> receivers(tenant);
      default -> notAllowed(req.method());
    });
    route(http, base + "/alerts", (req, tenant) -> switch (req.method()) {
      case GET -> getAlerts(tenant, req);
      case POST -> postAlerts(tenant, req);
      default -> notAllowed(req.method());
    });
    route(http, base + "/alerts/groups", (req, tenant) -> switch (req.method()) {
      case GET -> getGroups(tenant, req);
      default -> notAllowed(req.method());
    });
    route(http, base + "/silences", (req, tenant) -> switch (req.method()) {
      case GET -> getSilences(tenant, req);
      case POST -> postSilence(tenant, req);
      default -> notAllowed(req.method());
    });
    route(http, base + "/silence/{id}", (req, tenant) -> switch (req.method()) {
      case GET -> getSilence(tenant, req.pathId);
      case DELETE -> deleteSilence(tenant, req.pathId);
      default -> notAllowed(req.method());
    });
  }

  /** A request as a handler sees it: method, query, body and the {@code {id}} of the path if any. */
  private record Request(HttpMethod method, QueryParams query, AggregatedHttpRequest body, String pathId) {}

  private interface Handler {
    HttpResponse handle(Request request, String tenant) throws IOException;
  }

  private void route(ServerBuilder http, String path, Handler handler) {
    http.route().path(path).maxRequestLength(maxRequestBytes).build((ServiceRequestContext ctx, HttpRequest req) -> {
      String tenant;
      try {
        tenant = tenantResolver.resolve(req.headers().get(Tenant.HEADER),
            req.headers().get(HttpHeaderNames.AUTHORIZATION));
      } catch (Tenant.InvalidTenantException e) {
        return HttpResponse.of(HttpStatus.valueOf(e.httpStatus()), MediaType.PLAIN_TEXT_UTF_8,
            "unable to determine the OrgID: " + e.getMessage());
      }
      String id = ctx.pathParam("id");
      // Tenant calls take the tenant's lock, never a send: short, but off the event loop all the same.
      return HttpResponse.of(req.aggregate().thenApplyAsync(body -> {
        try {
          return handler.handle(new Request(req.method(), QueryParams.fromQueryString(ctx.query()), body, id),
              tenant);
        } catch (IOException e) {
          return error(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
        } catch (EntryTooLargeException e) {
          return error(HttpStatus.REQUEST_ENTITY_TOO_LARGE,
              ErrorId.ALERTMANAGER_STATE_ENTRY_TOO_LARGE.withId(e.getMessage()));
        } catch (StateUnavailableException e) {
          return error(HttpStatus.SERVICE_UNAVAILABLE,
              ErrorId.ALERTMANAGER_STATE_UNAVAILABLE.withId(e.getMessage()));
        }
      }, ctx.blockingTaskExecutor()));
    });
  }

  // --- status and receivers

  private HttpResponse status(String tenant) {
    // Not through withTenant: a replica that does not lead the group would read its alerts and silences.
    AlertmanagerConfig config = alertmanagers.configOf(tenant);
    ObjectNode out = JSON.createObjectNode();
    ObjectNode cluster = out.putObject("cluster");
    cluster.put("status", "ready");
    cluster.putArray("peers");
    ObjectNode versionInfo = out.putObject("versionInfo");
    versionInfo.put("version", version);
    versionInfo.put("revision", "");
    versionInfo.put("branch", "");
    versionInfo.put("buildUser", "");
    versionInfo.put("buildDate", "");
    versionInfo.put("goVersion", "java" + Runtime.version().feature());
    out.putObject("config").put("original", config.raw());
    out.put("uptime", TIME.format(started));
    return json(out);
  }

  private HttpResponse receivers(String tenant) {
    // Not through withTenant: a replica that does not lead the group would read its alerts and silences.
    AlertmanagerConfig config = alertmanagers.configOf(tenant);
    ArrayNode out = JSON.createArrayNode();
    for (AlertmanagerConfig.Receiver r : config.receivers()) {
      out.addObject().put("name", r.name());
    }
    return json(out);
  }

  // --- alerts

  /** The query parameters of {@code GET alerts} and {@code alerts/groups}, parsed. */
  private record AlertFilter(List<Matcher> matchers, Pattern receiver, boolean active, boolean silenced,
      boolean inhibited, boolean unprocessed) {
    boolean keeps(TenantAlertmanager.AlertStatus status) {
      if (!active && status.state().equals("active")) {
        return false;
      }
      if (!silenced && !status.silencedBy().isEmpty()) {
        return false;
      }
      return inhibited || status.inhibitedBy().isEmpty();
    }

    boolean keepsReceivers(List<String> receivers) {
      if (receiver == null) {
        return true;
      }
      for (String r : receivers) {
        if (receiver.matches(r)) {
          return true;
        }
      }
      return false;
    }
  }

  /** A client fault in the query, with its message and id. */
  private static final class BadRequest extends Exception {
    final ErrorId id;

    BadRequest(String message, ErrorId id) {
      super(message);
      this.id = id;
    }
  }

  private static AlertFilter alertFilter(QueryParams query) throws BadRequest {
    Pattern receiver = null;
    String receiverParam = query.get("receiver");
    if (receiverParam != null && !receiverParam.isEmpty()) {
      try {
        receiver = Pattern.compile("^(?:" + receiverParam + ")$", Pattern.DOTALL);
      } catch (PatternSyntaxException e) {
        throw new BadRequest("failed to parse receiver param: error parsing regexp: " + e.getDescription() + ": `"
            + e.getPattern() + "`", ErrorId.ALERTMANAGER_INVALID_FILTER);
      }
    }
    return new AlertFilter(filters(query), receiver, bool(query, "active"), bool(query, "silenced"),
        bool(query, "inhibited"), bool(query, "unprocessed"));
  }

  private static boolean bool(QueryParams query, String name) throws BadRequest {
    String value = query.get(name);
    if (value == null || value.isEmpty()) {
      return true;
    }
    return switch (value.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "t" -> true;
      case "false", "0", "f" -> false;
      default -> throw new BadRequest(name + " in query must be of type boolean: \"" + value + "\"",
          ErrorId.ALERTMANAGER_INVALID_FILTER);
    };
  }

  /** The {@code filter} parameters, each one matcher in Alertmanager's syntax ({@code labels.ParseMatcher}). */
  private static List<Matcher> filters(QueryParams query) throws BadRequest {
    List<String> raw = query.getAll("filter");
    if (raw.size() > MAX_FILTERS) {
      throw new BadRequest("too many filters: " + raw.size() + " (limit: " + MAX_FILTERS + ")",
          ErrorId.ALERTMANAGER_INVALID_FILTER);
    }
    List<Matcher> out = new ArrayList<>(raw.size());
    for (String f : raw) {
      try {
        out.add(Matcher.parse(f));
      } catch (InvalidConfigException e) {
        throw new BadRequest(e.getMessage(), ErrorId.ALERTMANAGER_INVALID_FILTER);
      }
    }
    return out;
  }

  /**
   * {@code matchFilterLabels}: every filter matches the value of its label; a filter for the empty value (or, negated,
   * against it) is skipped when the label is absent (present).
   */
  static boolean matchesFilters(List<Matcher> filters, Map<String, String> values) {
    for (Matcher m : filters) {
      String v = values.get(m.name());
      boolean negative = m.type() == Matcher.Type.NOT_EQUAL || m.type() == Matcher.Type.NOT_REGEX;
      if (m.value().isEmpty() && (negative ? v != null : v == null)) {
        continue;
      }
      if (!m.matches(v == null ? "" : v)) {
        return false;
      }
    }
    return true;
  }

  private HttpResponse getAlerts(String tenant, Request req) {
    AlertFilter filter;
    try {
      filter = alertFilter(req.query());
    } catch (BadRequest e) {
      return error(HttpStatus.BAD_REQUEST, e.id.withId(e.getMessage()));
    }
    ArrayNode out = alertmanagers.withTenant(tenant, false, (am, now) -> {
      List<Alert> alerts = new ArrayList<>(am.alerts().list());
      alerts.sort(Comparator.comparing(Alert::fingerprintHex));
      ArrayNode list = JSON.createArrayNode();
      for (Alert a : alerts) {
        if (a.resolvedAt(now) || !matchesFilters(filter.matchers(), a.labels())) {
          continue;
        }
        TenantAlertmanager.AlertStatus status = am.status(a, now);
        if (!filter.keepsReceivers(status.receivers()) || !filter.keeps(status)) {
          continue;
        }
        list.add(gettableAlert(a, status));
      }
      return list;
    });
    return json(out);
  }

  private static ObjectNode gettableAlert(Alert a, TenantAlertmanager.AlertStatus status) {
    ObjectNode node = JSON.createObjectNode();
    ObjectNode annotations = node.putObject("annotations");
    a.annotations().forEach(annotations::put);
    node.put("endsAt", a.endsAt() == null ? GO_ZERO_TIME : TIME.format(a.endsAt()));
    node.put("fingerprint", a.fingerprintHex());
    ArrayNode receivers = node.putArray("receivers");
    for (String r : status.receivers()) {
      receivers.addObject().put("name", r);
    }
    node.put("startsAt", TIME.format(a.startsAt()));
    ObjectNode st = node.putObject("status");
    ArrayNode inhibitedBy = st.putArray("inhibitedBy");
    status.inhibitedBy().forEach(inhibitedBy::add);
    ArrayNode silencedBy = st.putArray("silencedBy");
    status.silencedBy().forEach(silencedBy::add);
    st.put("state", status.state());
    node.put("updatedAt", TIME.format(a.updatedAt()));
    if (!a.generatorUrl().isEmpty()) {
      node.put("generatorURL", a.generatorUrl());
    }
    ObjectNode labels = node.putObject("labels");
    a.labels().forEach(labels::put);
    return node;
  }

  private HttpResponse postAlerts(String tenant, Request req) {
    HttpResponse refused = requireJson(req);
    if (refused != null) {
      return refused;
    }
    if (req.body().content().isEmpty()) {
      return validation("alerts in body is required");
    }
    List<AlertStore.PostableAlert> alerts = new ArrayList<>();
    try {
      JsonNode body = JSON.readTree(req.body().content().array());
      if (!body.isArray()) {
        return invalidAlertsBody("json: cannot unmarshal " + jsonKind(body) + " into Go value of type "
            + "models.PostableAlerts");
      }
      int i = 0;
      for (JsonNode a : body) {
        if (!a.isObject()) {
          return invalidAlertsBody("json: cannot unmarshal " + jsonKind(a) + " into Go value of type "
              + "models.PostableAlert");
        }
        JsonNode labels = a.get("labels");
        if (labels == null || labels.isNull()) {
          return validation(i + ".labels in body is required");
        }
        alerts.add(new AlertStore.PostableAlert(stringMap(labels, "labels"), stringMap(a.get("annotations"),
            "annotations"), time(a.get("startsAt")), time(a.get("endsAt")), text(a.get("generatorURL"))));
        i++;
      }
    } catch (IOException | IllegalArgumentException e) {
      return invalidAlertsBody(e.getMessage());
    }
    MultitenantAlertmanager.Posted result = alertmanagers.post(tenant, alerts);
    if (!result.invalid().isEmpty()) {
      return error(HttpStatus.BAD_REQUEST,
          ErrorId.ALERTMANAGER_INVALID_ALERTS.withId(String.join("; ", result.invalid())));
    }
    return HttpResponse.of(HttpStatus.OK);
  }

  private static HttpResponse invalidAlertsBody(String why) {
    return error(HttpStatus.BAD_REQUEST,
        ErrorId.ALERTMANAGER_INVALID_ALERTS.withId("parsing alerts body failed, because " + why));
  }

  private static String jsonKind(JsonNode n) {
    return n.isObject() ? "object" : n.isArray() ? "array" : n.isNumber() ? "number" : n.isTextual() ? "string"
        : n.isBoolean() ? "bool" : "null";
  }

  private static TreeMap<String, String> stringMap(JsonNode node, String field) {
    TreeMap<String, String> out = new TreeMap<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("json: cannot unmarshal " + jsonKind(node) + " into Go struct field "
          + field + " of type models.LabelSet");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new IllegalArgumentException("json: cannot unmarshal " + jsonKind(e.getValue())
            + " into Go struct field " + field + " of type string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static String text(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new IllegalArgumentException("json: cannot unmarshal " + jsonKind(node) + " into a string");
    }
    return node.asText();
  }

  /** An RFC 3339 time as strfmt reads it; null when absent. */
  private static Instant time(JsonNode node) {
    String s = text(node);
    if (s == null) {
      return null;
    }
    try {
      Instant t = OffsetDateTime.parse(s).toInstant();
      // Go's zero time means unset.
      return t.equals(Instant.parse("0001-01-01T00:00:00Z")) ? null : t;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("parsing time \"" + s + "\": not RFC 3339");
    }
  }

  private HttpResponse getGroups(String tenant, Request req) {
    AlertFilter filter;
    try {
      filter = alertFilter(req.query());
    } catch (BadRequest e) {
      return error(HttpStatus.BAD_REQUEST, e.id.withId(e.getMessage()));
    }
    ArrayNode out = alertmanagers.withTenant(tenant, false, (am, now) -> {
      List<Dispatcher.GroupSnapshot> groups = new ArrayList<>(am.dispatcher().groups());
      // AlertGroups.Less: by labels, then receiver.
      groups.sort((a, b) -> {
        int c = compareLabels(a.labels(), b.labels());
        return c != 0 ? c : a.route().receiver().compareTo(b.route().receiver());
      });
      ArrayNode list = JSON.createArrayNode();
      for (Dispatcher.GroupSnapshot g : groups) {
        if (filter.receiver() != null && !filter.receiver().matches(g.route().receiver())) {
          continue;
        }
        ArrayNode alerts = JSON.createArrayNode();
        for (Alert a : g.alerts()) {
          if (a.resolvedAt(now) || !matchesFilters(filter.matchers(), a.labels())) {
            continue;
          }
          TenantAlertmanager.AlertStatus status = am.status(a, now);
          if (filter.keeps(status)) {
            alerts.add(gettableAlert(a, status));
          }
        }
        if (alerts.isEmpty()) {
          continue;
        }
        ObjectNode group = list.addObject();
        group.set("alerts", alerts);
        ObjectNode labels = group.putObject("labels");
        g.labels().forEach(labels::put);
        group.putObject("receiver").put("name", g.route().receiver());
      }
      return list;
    });
    return json(out);
  }

  /** {@code model.LabelSet.Before}: by the sorted names and values, a prefix first. */
  private static int compareLabels(Map<String, String> a, Map<String, String> b) {
    Iterator<Map.Entry<String, String>> x = a.entrySet().iterator();
    Iterator<Map.Entry<String, String>> y = b.entrySet().iterator();
    while (x.hasNext() && y.hasNext()) {
      Map.Entry<String, String> ex = x.next();
      Map.Entry<String, String> ey = y.next();
      int c = ex.getKey().compareTo(ey.getKey());
      if (c == 0) {
        c = ex.getValue().compareTo(ey.getValue());
      }
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(x.hasNext(), y.hasNext());
  }

  // --- silences

  private HttpResponse getSilences(String tenant, Request req) {
    List<Matcher> filters;
    try {
      filters = filters(req.query());
    } catch (BadRequest e) {
      return error(HttpStatus.BAD_REQUEST, e.id.withId(e.getMessage()));
    }
    ArrayNode out = alertmanagers.withTenant(tenant, false, (am, now) -> {
      List<Silence> silences = new ArrayList<>();
      for (Silence s : am.silences().list()) {
        Map<String, String> values = new LinkedHashMap<>();
        s.matchers().forEach(m -> values.put(m.name(), m.value()));
        if (matchesFilters(filters, values)) {
          silences.add(s);
        }
      }
      silences.sort(silenceOrder(now));
      ArrayNode list = JSON.createArrayNode();
      for (Silence s : silences) {
        list.add(gettableSilence(s, now));
      }
      return list;
    });
    return json(out);
  }

  /** {@code SortSilences}: active by end, then pending by start, then expired by end, latest first. */
  private static Comparator<Silence> silenceOrder(Instant now) {
    return (a, b) -> {
      Silence.State sa = a.state(now);
      Silence.State sb = b.state(now);
      if (sa != sb) {
        return Integer.compare(rank(sa), rank(sb));
      }
      return switch (sa) {
        case ACTIVE -> a.endsAt().compareTo(b.endsAt());
        case PENDING -> a.startsAt().compareTo(b.startsAt());
        case EXPIRED -> b.endsAt().compareTo(a.endsAt());
      };
    };
  }

  private static int rank(Silence.State state) {
    return switch (state) {
      case ACTIVE -> 0;
      case PENDING -> 1;
      case EXPIRED -> 2;
    };
  }

  private static ObjectNode gettableSilence(Silence s, Instant now) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", s.id());
    node.putObject("status").put("state", s.state(now).apiName());
    node.put("updatedAt", TIME.format(s.updatedAt()));
    node.put("comment", s.comment() == null ? "" : s.comment());
    node.put("createdBy", s.createdBy() == null ? "" : s.createdBy());
    node.put("endsAt", TIME.format(s.endsAt()));
    ArrayNode matchers = node.putArray("matchers");
    for (Matcher m : s.matchers()) {
      ObjectNode mn = matchers.addObject();
      mn.put("isEqual", m.type() == Matcher.Type.EQUAL || m.type() == Matcher.Type.REGEX);
      mn.put("isRegex", m.type() == Matcher.Type.REGEX || m.type() == Matcher.Type.NOT_REGEX);
      mn.put("name", m.name());
      mn.put("value", m.value());
    }
    node.put("startsAt", TIME.format(s.startsAt()));
    return node;
  }

  private HttpResponse getSilence(String tenant, String id) {
    if (!isUuid(id)) {
      return notUuid(id);
    }
    ObjectNode out = alertmanagers.withTenant(tenant, false, (am, now) -> {
      Silence s = am.silences().get(id);
      return s == null ? null : gettableSilence(s, now);
    });
    return out == null ? silenceNotFound() : json(out);
  }

  private HttpResponse deleteSilence(String tenant, String id) {
    if (!isUuid(id)) {
      return notUuid(id);
    }
    Silences.SilenceException refused = null;
    try {
      alertmanagers.expireSilence(tenant, id);
    } catch (Silences.SilenceException e) {
      refused = e;
    }
    if (refused == null || refused.reason() == Silences.SilenceException.Reason.ALREADY_EXPIRED) {
      return HttpResponse.of(HttpStatus.OK);
    }
    return refused.notFound() ? silenceNotFound() : error(HttpStatus.INTERNAL_SERVER_ERROR, refused.getMessage());
  }

  private HttpResponse postSilence(String tenant, Request req) {
    HttpResponse refused = requireJson(req);
    if (refused != null) {
      return refused;
    }
    Silence silence;
    try {
      JsonNode body = JSON.readTree(req.body().content().array());
      if (body == null || !body.isObject()) {
        return validation("silence in body is required");
      }
      for (String field : List.of("matchers", "startsAt", "endsAt", "createdBy", "comment")) {
        if (body.get(field) == null || body.get(field).isNull()) {
          return validation(field + " in body is required");
        }
      }
      JsonNode matchersNode = body.get("matchers");
      if (!matchersNode.isArray() || matchersNode.isEmpty()) {
        return validation("matchers in body should have at least 1 items");
      }
      List<Matcher> matchers = new ArrayList<>();
      int i = 0;
      for (JsonNode m : matchersNode) {
        for (String field : List.of("name", "value", "isRegex")) {
          if (m.get(field) == null || m.get(field).isNull()) {
            return validation("matchers." + i + "." + field + " in body is required");
          }
        }
        boolean isRegex = m.get("isRegex").asBoolean();
        boolean isEqual = m.get("isEqual") == null || m.get("isEqual").isNull() || m.get("isEqual").asBoolean();
        Matcher.Type type = isRegex ? (isEqual ? Matcher.Type.REGEX : Matcher.Type.NOT_REGEX)
            : (isEqual ? Matcher.Type.EQUAL : Matcher.Type.NOT_EQUAL);
        String value = m.get("value").asText();
        try {
          matchers.add(Matcher.of(m.get("name").asText(), type, value));
        } catch (InvalidConfigException e) {
          return error(HttpStatus.BAD_REQUEST, ErrorId.ALERTMANAGER_INVALID_SILENCE.withId("silence invalid: "
              + "invalid label matcher " + i + ": invalid regular expression \"" + value + "\": " + e.getMessage()));
        }
        i++;
      }
      Instant startsAt = time(body.get("startsAt"));
      Instant endsAt = time(body.get("endsAt"));
      if (startsAt == null || endsAt == null || !startsAt.isBefore(endsAt)) {
        return invalidSilence("Failed to create silence: start time must be before end time");
      }
      String id = text(body.get("id"));
      silence = new Silence(id == null || id.isEmpty() ? null : id, matchers, startsAt, endsAt, null,
          text(body.get("createdBy")), text(body.get("comment")));
    } catch (IOException | IllegalArgumentException e) {
      return invalidSilence("failed to parse the silence: " + e.getMessage());
    }
    Object outcome;
    if (silence.endsAt().isBefore(alertmanagers.now())) {
      outcome = "past";
    } else {
      try {
        outcome = new String[] {alertmanagers.setSilence(tenant, silence)};
      } catch (Silences.SilenceException e) {
        outcome = e;
      }
    }
    if ("past".equals(outcome)) {
      return invalidSilence("Failed to create silence: end time can't be in the past");
    }
    if (outcome instanceof Silences.SilenceException e) {
      return switch (e.reason()) {
        case NOT_FOUND -> silenceNotFound();
        case MAX_SILENCES_COUNT -> error(HttpStatus.BAD_REQUEST,
            ErrorId.ALERTMANAGER_MAX_SILENCES_COUNT.withId(e.getMessage()));
        case MAX_SILENCE_SIZE_BYTES -> error(HttpStatus.BAD_REQUEST,
            ErrorId.ALERTMANAGER_MAX_SILENCE_SIZE_BYTES.withId(e.getMessage()));
        default -> invalidSilence("silence invalid: " + e.getMessage());
      };
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("silenceID", ((String[]) outcome)[0]);
    return json(out);
  }

  private static HttpResponse invalidSilence(String message) {
    return error(HttpStatus.BAD_REQUEST, ErrorId.ALERTMANAGER_INVALID_SILENCE.withId(message));
  }

  private static HttpResponse silenceNotFound() {
    return error(HttpStatus.NOT_FOUND, ErrorId.ALERTMANAGER_SILENCE_NOT_FOUND.withId("silence not found"));
  }

  private static boolean isUuid(String id) {
    try {
      return id != null && UUID.fromString(id).toString().equalsIgnoreCase(id);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static HttpResponse notUuid(String id) {
    return validation(422, 601, "silenceID in path must be of type uuid: \"" + id + "\"");
  }

  // --- answers

  /** Alertmanager accepts only JSON bodies (go-swagger's consumer check): 415 otherwise. */
  private static HttpResponse requireJson(Request req) {
    MediaType type = req.body().contentType();
    if (type == null || !type.is(MediaType.JSON)) {
      String got = type == null ? "application/octet-stream" : type.nameWithoutParameters();
      ObjectNode out = JSON.createObjectNode();
      out.put("code", 415);
      out.put("message", "unsupported media type \"" + got + "\", only [application/json] are allowed");
      return HttpResponse.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, MediaType.JSON_UTF_8, out.toString());
    }
    return null;
  }

  /** go-swagger's validation answer: 422 with {@code {"code":602,"message":..}} (a required field missing). */
  private static HttpResponse validation(String message) {
    return validation(422, 602, message);
  }

  private static HttpResponse validation(int status, int code, String message) {
    ObjectNode out = JSON.createObjectNode();
    out.put("code", code);
    out.put("message", message);
    return HttpResponse.of(HttpStatus.valueOf(status), MediaType.JSON_UTF_8, out.toString());
  }

  private static HttpResponse error(HttpStatus status, String message) {
    try {
      return HttpResponse.of(status, MediaType.JSON_UTF_8, JSON.writeValueAsString(message) + "\n");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse json(JsonNode node) {
    return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, node.toString());
  }

  private static HttpResponse notAllowed(HttpMethod method) {
    return HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED, MediaType.PLAIN_TEXT_UTF_8,
        "method " + method + " not allowed");
  }
}
