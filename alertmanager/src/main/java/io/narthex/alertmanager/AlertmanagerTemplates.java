package io.narthex.alertmanager;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.template.ArgType;
import io.narthex.template.FunctionMap;
import io.narthex.template.GoUrl;
import io.narthex.template.Template;
import io.narthex.template.TemplateException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

/**
 * The functions a tenant's notification templates may call, and the syntax check of its template files, as
 * Alertmanager's {@code template.FromGlobs} parses them (Go's text/template).
 *
 * <p>Alertmanager 0.25's {@code DefaultFuncs} come from the template module
 * ({@link io.narthex.template.AlertmanagerTemplates#functions()}), and so do the functions of newer releases
 * ({@code date}, {@code tz}, {@code since}, {@code humanizeDuration}, {@code toJson}:
 * {@link io.narthex.template.AlertmanagerTemplates#laterFunctions}); {@code trimSpace} and {@code urlUnescape} of
 * newer releases, and Mimir's {@code tenantID}, {@code queryFromGeneratorURL} and {@code grafanaExploreURL}
 * ({@code pkg/alertmanager/alertmanager_template.go}) are added here.
 */
public final class AlertmanagerTemplates {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EXPLORE_PREFIX = "/explore?left=";
  private static final FunctionMap SYNTAX_CHECK = functions("");

  private AlertmanagerTemplates() {}

  /**
   * Every function a notification template of {@code tenant} may call: Alertmanager's and Mimir's, with
   * {@code tenantID} returning {@code tenant}.
   */
  public static FunctionMap functions(String tenant) {
    FunctionMap functions = io.narthex.template.AlertmanagerTemplates.functions()
        .with("trimSpace", List.of(ArgType.STRING), args -> ((String) args.get(0)).strip())
        .with("urlUnescape", List.of(ArgType.STRING), args -> queryUnescape((String) args.get(0)))
        .with("tenantID", List.of(), args -> tenant)
        .with("queryFromGeneratorURL", List.of(ArgType.STRING),
            args -> queryFromGeneratorUrl((String) args.get(0)))
        .with("grafanaExploreURL", List.of(ArgType.STRING, ArgType.STRING, ArgType.STRING, ArgType.STRING,
            ArgType.STRING), args -> grafanaExploreUrl((String) args.get(0), (String) args.get(1),
            (String) args.get(2), (String) args.get(3), (String) args.get(4)));
    return functions.withAll(io.narthex.template.AlertmanagerTemplates.laterFunctions(Clock.systemUTC()));
  }

  /**
   * Parses one template file.
   *
   * @throws TemplateException with Go's message, such as {@code template: a.tmpl:1: function "foo" not defined}
   */
  static void checkSyntax(String fileName, String text) throws TemplateException {
    Template.parse(fileName, text, SYNTAX_CHECK);
  }

  /** Mimir's {@code queryFromGeneratorURL}: the {@code g0.expr} parameter of a Prometheus generator URL, decoded. */
  static String queryFromGeneratorUrl(String generatorUrl) throws Exception {
    if (generatorUrl.startsWith(EXPLORE_PREFIX)) {
      return generatorUrl;
    }
    int q = generatorUrl.indexOf('?');
    int hash = generatorUrl.indexOf('#');
    String query = q < 0 ? "" : generatorUrl.substring(q + 1, hash > q ? hash : generatorUrl.length());
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = queryUnescape(eq < 0 ? pair : pair.substring(0, eq));
      if (key.equals("g0.expr")) {
        // Go's u.Query() decodes once and Mimir decodes the value again.
        return queryUnescape(queryUnescape(eq < 0 ? "" : pair.substring(eq + 1)));
      }
    }
    throw new Exception("query not found in the generator URL");
  }

  /** Mimir's {@code grafanaExploreURL}: a Grafana Explore link running {@code expr} over {@code from..to}. */
  static String grafanaExploreUrl(String grafanaUrl, String datasource, String from, String to, String expr)
      throws Exception {
    ObjectNode params = JSON.createObjectNode();
    ObjectNode range = params.putObject("range");
    range.put("from", from);
    range.put("to", to);
    if (expr.startsWith(EXPLORE_PREFIX)) {
      JsonNode given;
      try {
        given = JSON.readTree(expr.replace(EXPLORE_PREFIX, ""));
      } catch (JsonProcessingException e) {
        throw new Exception(e.getOriginalMessage());
      }
      ArrayNode queries = params.putArray("queries");
      JsonNode firstGiven = given.path("queries").path(0);
      ObjectNode first = queries.addObject();
      first.putObject("datasource").setAll(datasourceOf(firstGiven.path("datasource")));
      first.put("expr", firstGiven.path("expr").asText(""));
      first.put("instant", firstGiven.path("instant").asBoolean(false));
      first.put("range", true);
      first.put("refId", "A");
    } else {
      ObjectNode query = params.putArray("queries").addObject();
      ObjectNode ds = query.putObject("datasource");
      ds.put("type", "prometheus");
      if (!datasource.isEmpty()) {
        ds.put("uid", datasource);
      }
      query.put("expr", expr);
      query.put("instant", false);
      query.put("range", true);
      query.put("refId", "A");
    }
    return grafanaUrl + EXPLORE_PREFIX + GoUrl.queryEscape(goJson(params));
  }

  private static ObjectNode datasourceOf(JsonNode given) {
    ObjectNode ds = JSON.createObjectNode();
    if (!given.path("type").asText("").isEmpty()) {
      ds.put("type", given.path("type").asText());
    }
    if (!given.path("uid").asText("").isEmpty()) {
      ds.put("uid", given.path("uid").asText());
    }
    return ds;
  }

  /** JSON as Go's encoding/json writes it: {@code <}, {@code >} and {@code &} escaped. */
  private static String goJson(JsonNode node) throws JsonProcessingException {
    return JSON.writeValueAsString(node).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
  }

  /** Go's {@code url.QueryUnescape}. */
  static String queryUnescape(String s) throws Exception {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Exception("invalid URL escape in " + s);
    }
  }
}
