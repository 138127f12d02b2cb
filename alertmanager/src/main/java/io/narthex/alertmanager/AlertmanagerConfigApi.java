package io.narthex.alertmanager;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.narthex.common.ErrorId;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.template.TemplateException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mimir's Alertmanager configuration API at the root path ({@code pkg/alertmanager/api.go}, routes of
 * {@code pkg/api/api.go}):
 *
 * <ul>
 *   <li>{@code GET /api/v1/alerts}: 200, {@code application/yaml},
 *       {@code template_files: {name: text}} and {@code alertmanager_config: <the config as written>}; 404 when the
 *       tenant has none
 *   <li>{@code POST /api/v1/alerts}: the same YAML in the body; 201 once stored; 400 when the body is over
 *       {@code alertmanager_max_config_size_bytes}, is not that YAML, has an empty config, a config Alertmanager
 *       refuses or Mimir refuses for tenants (files, proxies, TLS files), more templates than
 *       {@code alertmanager_max_templates_count}, a template over {@code alertmanager_max_template_size_bytes}, a
 *       template name with a path, or a template that does not parse; 500 when the store fails
 *   <li>{@code DELETE /api/v1/alerts}: 200, also when there was none
 *   <li>{@code GET /multitenant_alertmanager/configs}: every tenant's, as YAML {@code tenant: {template_files,
 *       alertmanager_config}}; {@code POST /multitenant_alertmanager/delete_tenant_config}: as DELETE above
 * </ul>
 *
 * <p>The {@code /api/v1/alerts} routes are bound only with {@code -alertmanager.enable-api}. Answers are plain text
 * with Mimir's messages and an {@link ErrorId} on client faults; 401 without a valid tenant, 405 for another method.
 */
public final class AlertmanagerConfigApi {
  private static final Logger log = LoggerFactory.getLogger(AlertmanagerConfigApi.class);
  private static final MediaType YAML_TYPE = MediaType.parse("application/yaml");
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
      .build());
  private static final String VALIDATING = "error validating Alertmanager config: ";

  private final BucketAlertStore store;
  private final Function<String, AlertmanagerLimits> limitsOfTenant;
  private final TenantResolver tenantResolver;
  private java.util.function.Consumer<String> onChange = tenant -> {};

  /** @param limitsOfTenant a tenant's limits, read at each write */
  public AlertmanagerConfigApi(BucketAlertStore store, Function<String, AlertmanagerLimits> limitsOfTenant,
      TenantResolver tenantResolver) {
    this.store = store;
    this.limitsOfTenant = limitsOfTenant;
    this.tenantResolver = tenantResolver;
  }

  /**
   * Runs {@code listener} with the tenant after each stored or deleted configuration, off the event loop, so that
   * the tenant's running configuration reloads at once rather than at the next poll.
   */
  public AlertmanagerConfigApi onChange(java.util.function.Consumer<String> listener) {
    this.onChange = listener;
    return this;
  }

  /** Binds the internal routes, and {@code /api/v1/alerts} when {@code enableApi}. */
  public void bind(ServerBuilder http, boolean enableApi) {
    if (enableApi) {
      http.service("/api/v1/alerts", (ctx, req) -> switch (req.method()) {
        case GET -> withTenant(ctx, req, (tenant, body) -> get(tenant));
        case POST -> withTenant(ctx, req, this::set);
        case DELETE -> withTenant(ctx, req, (tenant, body) -> delete(tenant));
        default -> notAllowed(req.method());
      });
    }
    http.service("/multitenant_alertmanager/configs", (ctx, req) -> req.method() != HttpMethod.GET
        ? notAllowed(req.method())
        : HttpResponse.of(req.aggregate().thenApplyAsync(body -> {
          try {
            return HttpResponse.of(HttpStatus.OK, YAML_TYPE, allConfigs());
          } catch (IOException e) {
            log.warn("listing the Alertmanager configs failed err=\"{}\"", e.toString());
            return plain(HttpStatus.INTERNAL_SERVER_ERROR, "unable to list the Alertmanager users: " + e.getMessage());
          }
        }, ctx.blockingTaskExecutor())));
    http.service("/multitenant_alertmanager/delete_tenant_config", (ctx, req) -> req.method() != HttpMethod.POST
        ? notAllowed(req.method())
        : withTenant(ctx, req, (tenant, body) -> delete(tenant)));
  }

  private interface Call {
    HttpResponse apply(String tenant, AggregatedHttpRequest body) throws IOException;
  }

  private HttpResponse withTenant(ServiceRequestContext ctx, HttpRequest req, Call call) {
    String tenant;
    try {
      tenant = tenantResolver.resolve(req.headers().get(Tenant.HEADER),
          req.headers().get(HttpHeaderNames.AUTHORIZATION));
    } catch (Tenant.InvalidTenantException e) {
      return plain(HttpStatus.valueOf(e.httpStatus()), "unable to determine the OrgID: " + e.getMessage());
    }
    // The store calls block (object storage): run them off the event loop.
    return HttpResponse.of(req.aggregate().thenApplyAsync(body -> {
      try {
        return call.apply(tenant, body);
      } catch (IOException e) {
        log.warn("Alertmanager config store call failed tenant={} err=\"{}\"", tenant, e.toString());
        return plain(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
      }
    }, ctx.blockingTaskExecutor()));
  }

  private HttpResponse get(String tenant) throws IOException {
    Optional<AlertConfigDesc> config = store.get(tenant);
    if (config.isEmpty()) {
      return plain(HttpStatus.NOT_FOUND, ErrorId.ALERTMANAGER_CONFIG_NOT_FOUND.withId(
          "alertmanager storage object not found"));
    }
    return HttpResponse.of(HttpStatus.OK, YAML_TYPE, YAML.writeValueAsBytes(userConfig(config.get())));
  }

  private HttpResponse delete(String tenant) throws IOException {
    try {
      store.delete(tenant);
    } catch (IOException e) {
      log.warn("deleting the Alertmanager config failed tenant={} err=\"{}\"", tenant, e.toString());
      return plain(HttpStatus.INTERNAL_SERVER_ERROR, "unable to delete the Alertmanager config: " + e.getMessage());
    }
    onChange.accept(tenant);
    return HttpResponse.of(HttpStatus.OK);
  }

  private HttpResponse set(String tenant, AggregatedHttpRequest request) throws IOException {
    AlertmanagerLimits limits = limitsOfTenant.apply(tenant);
    byte[] payload = request.content().array();
    if (limits.maxConfigSizeBytes() > 0 && payload.length > limits.maxConfigSizeBytes()) {
      return plain(HttpStatus.BAD_REQUEST, ErrorId.ALERTMANAGER_MAX_CONFIG_SIZE_BYTES.format(
          "Alertmanager configuration is too big, limit: %d bytes", limits.maxConfigSizeBytes()));
    }
    AlertConfigDesc config;
    try {
      config = decode(tenant, payload);
    } catch (IllegalArgumentException e) {
      return plain(HttpStatus.BAD_REQUEST, ErrorId.ALERTMANAGER_INVALID_CONFIG.withId(
          "error marshalling YAML Alertmanager config: " + e.getMessage()));
    }
    Rejection rejection = validate(config, limits);
    if (rejection != null) {
      return plain(HttpStatus.BAD_REQUEST, rejection.id().withId(VALIDATING + rejection.message()));
    }
    try {
      store.set(config);
    } catch (IOException e) {
      log.warn("storing the Alertmanager config failed tenant={} err=\"{}\"", tenant, e.toString());
      return plain(HttpStatus.INTERNAL_SERVER_ERROR, "unable to store the Alertmanager config: " + e.getMessage());
    }
    onChange.accept(tenant);
    return HttpResponse.of(HttpStatus.CREATED);
  }

  /** Why a configuration is refused. */
  record Rejection(ErrorId id, String message) {}

  /**
   * Mimir's {@code validateUserConfig}, in its order: not empty, a valid Alertmanager config without forbidden
   * fields, template names referenced without a path, the template limits, template file names, template syntax.
   *
   * @return null when the configuration is accepted
   */
  static Rejection validate(AlertConfigDesc config, AlertmanagerLimits limits) {
    if (config.rawConfig().isEmpty()) {
      return new Rejection(ErrorId.ALERTMANAGER_INVALID_CONFIG, "configuration provided is empty, if you'd like to "
          + "remove your configuration please use the delete configuration endpoint");
    }
    AlertmanagerConfig parsed;
    try {
      parsed = AlertmanagerConfig.parse(config.rawConfig());
    } catch (InvalidConfigException e) {
      return new Rejection(e.forbidden() ? ErrorId.ALERTMANAGER_FORBIDDEN_FIELD : ErrorId.ALERTMANAGER_INVALID_CONFIG,
          e.getMessage());
    }
    for (String name : parsed.templates()) {
      String error = templateNameError(name);
      if (error != null) {
        return new Rejection(ErrorId.ALERTMANAGER_INVALID_TEMPLATE_NAME, error);
      }
    }
    int count = config.templates().size();
    if (limits.maxTemplatesCount() > 0 && count > limits.maxTemplatesCount()) {
      return new Rejection(ErrorId.ALERTMANAGER_MAX_TEMPLATES_COUNT, String.format(
          "too many templates in the configuration: %d (limit: %d)", count, limits.maxTemplatesCount()));
    }
    if (limits.maxTemplateSizeBytes() > 0) {
      for (Map.Entry<String, String> template : config.templates().entrySet()) {
        int sizeBytes = template.getValue().getBytes(StandardCharsets.UTF_8).length;
        if (sizeBytes > limits.maxTemplateSizeBytes()) {
          return new Rejection(ErrorId.ALERTMANAGER_MAX_TEMPLATE_SIZE_BYTES, String.format(
              "template %s is too big: %d bytes (limit: %d bytes)", template.getKey(), sizeBytes,
              limits.maxTemplateSizeBytes()));
        }
      }
    }
    for (String name : config.templates().keySet()) {
      String error = templateNameError(name);
      if (error != null) {
        return new Rejection(ErrorId.ALERTMANAGER_INVALID_TEMPLATE_NAME, error);
      }
    }
    for (Map.Entry<String, String> template : config.templates().entrySet()) {
      try {
        AlertmanagerTemplates.checkSyntax(template.getKey(), template.getValue());
      } catch (TemplateException e) {
        return new Rejection(ErrorId.ALERTMANAGER_INVALID_CONFIG, e.getMessage());
      }
    }
    return null;
  }

  /**
   * Mimir's {@code validateTemplateFilename}: a template is a file of the tenant's own directory, so its name is a
   * file name alone; null when valid.
   */
  static String templateNameError(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
        || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
      return "invalid template name \"" + name + "\": the template name cannot contain any path";
    }
    return null;
  }

  /**
   * The body of a set call: Mimir's {@code UserConfig}, {@code template_files} (name to text) and
   * {@code alertmanager_config} (the configuration as a string); other keys are ignored, as Go's non-strict YAML does.
   *
   * @throws IllegalArgumentException naming what could not be decoded
   */
  static AlertConfigDesc decode(String tenant, byte[] payload) {
    JsonNode root;
    try {
      root = YAML.readTree(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage() + (e.getLocation() == null ? ""
          : " (line " + e.getLocation().getLineNr() + ")"));
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new AlertConfigDesc(tenant, "", Map.of());
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("the body must be a YAML mapping of template_files and "
          + "alertmanager_config");
    }
    JsonNode raw = root.get("alertmanager_config");
    if (raw != null && !raw.isNull() && !raw.isValueNode()) {
      throw new IllegalArgumentException("alertmanager_config must be a string holding the configuration file");
    }
    Map<String, String> templates = new TreeMap<>();
    JsonNode files = root.get("template_files");
    if (files != null && !files.isNull()) {
      if (!files.isObject()) {
        throw new IllegalArgumentException("template_files must be a mapping of file name to template text");
      }
      Iterator<Map.Entry<String, JsonNode>> entries = files.fields();
      while (entries.hasNext()) {
        Map.Entry<String, JsonNode> entry = entries.next();
        if (!entry.getValue().isNull() && !entry.getValue().isValueNode()) {
          throw new IllegalArgumentException("template_files." + entry.getKey() + " must be a string");
        }
        templates.put(entry.getKey(), entry.getValue().isNull() ? "" : entry.getValue().asText());
      }
    }
    return new AlertConfigDesc(tenant, raw == null || raw.isNull() ? "" : raw.asText(), templates);
  }

  private static ObjectNode userConfig(AlertConfigDesc config) {
    ObjectNode out = YAML.createObjectNode();
    ObjectNode files = out.putObject("template_files");
    config.templates().forEach(files::put);
    out.put("alertmanager_config", config.rawConfig());
    return out;
  }

  /** Every tenant's configuration, {@code tenant: UserConfig}, in tenant order. */
  private byte[] allConfigs() throws IOException {
    ObjectNode out = YAML.createObjectNode();
    for (String tenant : store.tenants()) {
      Optional<AlertConfigDesc> config = store.get(tenant);
      if (config.isPresent()) {
        out.set(tenant, userConfig(config.get()));
      }
    }
    return YAML.writeValueAsBytes(out);
  }

  private static HttpResponse notAllowed(HttpMethod method) {
    return plain(HttpStatus.METHOD_NOT_ALLOWED, "method " + method + " is not allowed here");
  }

  private static HttpResponse plain(HttpStatus status, String message) {
    return HttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, message + "\n");
  }
}
