package io.narthex.ruler;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.narthex.common.ErrorId;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mimir's rules config API under {@code <prometheus-http-prefix>/config/v1/rules} (Mimir's {@code pkg/ruler/api.go}):
 *
 * <ul>
 *   <li>{@code GET /rules} and {@code GET /rules/<namespace>}: 200, {@code application/yaml}, a map namespace to its
 *       groups ({@code {}} when there are none, as newer Mimir answers)
 *   <li>{@code GET /rules/<namespace>/<group>}: 200 YAML of the group; 404 {@code group does not exist}
 *   <li>{@code POST /rules/<namespace>}: sets the group in the YAML body, whatever its {@code Content-Type}; 202 with
 *       {@code {"status":"success","data":null,"errorType":"","error":""}}; 400 when it cannot be decoded, is not
 *       valid (errors joined by {@code ", "}) or passes a limit; 500 when the store cannot write it
 *   <li>{@code DELETE /rules/<namespace>/<group>} and {@code DELETE /rules/<namespace>}: 202 as above; 404
 *       {@code group does not exist} or {@code group namespace does not exist}
 * </ul>
 *
 * <p>Namespace and group are percent-decoded path segments ({@code /} sent as {@code %2F}), as Go's
 * {@code url.PathUnescape}. Errors are plain text, as Mimir's {@code http.Error}, with an {@link ErrorId} on client
 * faults; 401 without a valid tenant, 405 for another method.
 */
public final class RulesConfigApi {
  private static final Logger log = LoggerFactory.getLogger(RulesConfigApi.class);
  private static final MediaType YAML = MediaType.parse("application/yaml");
  private static final String ACCEPTED = "{\"status\":\"success\",\"data\":null,\"errorType\":\"\",\"error\":\"\"}";

  private final RuleStore store;
  private final Function<String, RulerLimits> limitsOfTenant;
  private final TenantResolver tenantResolver;
  /** Told after each write, so that this process's ruler reloads at once rather than at its next poll. */
  private volatile Runnable onChange = () -> {};
  private boolean tenantFederationEnabled;

  /** The API with the same {@code limits} for every tenant. */
  public RulesConfigApi(RuleStore store, RulerLimits limits, TenantResolver tenantResolver) {
    this(store, tenant -> limits, tenantResolver);
  }

  /**
   * @param limitsOfTenant a tenant's limits, read at each write so that runtime overrides apply without a restart
   */
  public RulesConfigApi(RuleStore store, Function<String, RulerLimits> limitsOfTenant, TenantResolver tenantResolver) {
    this.store = store;
    this.limitsOfTenant = limitsOfTenant;
    this.tenantResolver = tenantResolver;
  }

  /** Calls {@code onChange} after every group set or deleted through this API (Mimir's sync on changes). */
  public RulesConfigApi onChange(Runnable onChange) {
    this.onChange = onChange;
    return this;
  }

  /**
   * Whether groups with {@code source_tenants} are accepted ({@code -ruler.tenant-federation.enabled}); off by
   * default, as in Mimir, where such a group is a 400 ({@code ValidateRuleGroup}).
   */
  public RulesConfigApi withTenantFederation(boolean enabled) {
    this.tenantFederationEnabled = enabled;
    return this;
  }

  /** Binds the API under {@code prometheusHttpPrefix} (Mimir's {@code -http.prometheus-http-prefix}). */
  public void bind(ServerBuilder http, String prometheusHttpPrefix) {
    String base = prometheusHttpPrefix + "/config/v1/rules";
    http.service(base, (ctx, req) -> handle(ctx, req.headers().get(Tenant.HEADER),
        req.headers().get(HttpHeaderNames.AUTHORIZATION), List.of(), req));
    http.serviceUnder(base + "/", (ctx, req) -> {
      List<String> segments;
      try {
        segments = segments(ctx.path().substring(base.length() + 1));
      } catch (IllegalArgumentException e) {
        return plain(HttpStatus.BAD_REQUEST, e.getMessage());
      }
      if (segments == null) {
        return plain(HttpStatus.NOT_FOUND, "404 page not found");
      }
      return handle(ctx, req.headers().get(Tenant.HEADER), req.headers().get(HttpHeaderNames.AUTHORIZATION),
          segments, req);
    });
  }

  private HttpResponse handle(ServiceRequestContext ctx, String orgId, String authorization, List<String> segments,
      com.linecorp.armeria.common.HttpRequest req) {
    HttpMethod method = req.method();
    boolean allowed = switch (segments.size()) {
      case 0 -> method == HttpMethod.GET;
      case 1 -> method == HttpMethod.GET || method == HttpMethod.POST || method == HttpMethod.DELETE;
      default -> method == HttpMethod.GET || method == HttpMethod.DELETE;
    };
    if (!allowed) {
      return plain(HttpStatus.METHOD_NOT_ALLOWED, "method " + method + " is not allowed here");
    }
    String tenant;
    try {
      tenant = tenantResolver.resolve(orgId, authorization);
    } catch (Tenant.InvalidTenantException e) {
      return plain(HttpStatus.valueOf(e.httpStatus()), e.getMessage());
    }
    // The store calls block (object storage, files): run them off the event loop.
    return HttpResponse.of(req.aggregate().thenApplyAsync(body -> {
      try {
        return call(tenant, method, segments, body);
      } catch (RuleStore.RuleGroupNotFoundException e) {
        return plain(HttpStatus.NOT_FOUND, ErrorId.RULER_RULE_GROUP_NOT_FOUND.withId(e.getMessage()));
      } catch (IOException e) {
        log.warn("rule store call failed tenant={} err=\"{}\"", tenant, e.toString());
        return plain(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
      }
    }, ctx.blockingTaskExecutor()));
  }

  private HttpResponse call(String tenant, HttpMethod method, List<String> segments, AggregatedHttpRequest body)
      throws IOException {
    String namespace = segments.isEmpty() ? null : segments.get(0);
    if (segments.size() == 2) {
      if (method == HttpMethod.GET) {
        return HttpResponse.of(HttpStatus.OK, YAML, RuleYaml.write(store.group(tenant, namespace, segments.get(1))));
      }
      store.delete(tenant, namespace, segments.get(1));
      return changed();
    }
    if (method == HttpMethod.GET) {
      return HttpResponse.of(HttpStatus.OK, YAML, RuleYaml.write(store.groups(tenant, namespace)));
    }
    if (method == HttpMethod.DELETE) {
      store.deleteNamespace(tenant, namespace);
      return changed();
    }
    return set(tenant, namespace, body.content().array());
  }

  private HttpResponse set(String tenant, String namespace, byte[] yaml) throws IOException {
    RuleGroup group;
    try {
      group = RuleYaml.group(yaml);
    } catch (IllegalArgumentException e) {
      return plain(HttpStatus.BAD_REQUEST,
          ErrorId.RULER_INVALID_RULE_GROUP.withId("unable to decode rule group: " + e.getMessage()));
    }
    List<String> errors = RuleValidator.validate(group);
    if (!errors.isEmpty()) {
      return plain(HttpStatus.BAD_REQUEST, ErrorId.RULER_INVALID_RULE_GROUP.withId(String.join(", ", errors)));
    }
    if (!tenantFederationEnabled && !group.sourceTenantsOrEmpty().isEmpty()) {
      return plain(HttpStatus.BAD_REQUEST, ErrorId.RULER_TENANT_FEDERATION_DISABLED.withId("invalid rules"
          + " configuration: rule group '" + group.name() + "' is a federated rule group, but rules federation is"
          + " disabled; please contact your service administrator to have it enabled"));
    }
    RulerLimits limits = limitsOfTenant.apply(tenant);
    int rules = group.rulesOrEmpty().size();
    if (limits.maxRulesPerRuleGroup() > 0 && rules > limits.maxRulesPerRuleGroup()) {
      return plain(HttpStatus.BAD_REQUEST, ErrorId.RULER_MAX_RULES_PER_RULE_GROUP.format(
          "per-user rules per rule group limit (limit: %d actual: %d) exceeded", limits.maxRulesPerRuleGroup(), rules));
    }
    if (limits.maxRuleGroupsPerTenant() > 0) {
      RuleStore.GroupCount count = store.count(tenant, namespace, group.name());
      int after = count.includesGroup() ? count.groups() : count.groups() + 1;
      if (after > limits.maxRuleGroupsPerTenant()) {
        return plain(HttpStatus.BAD_REQUEST, ErrorId.RULER_MAX_RULE_GROUPS_PER_TENANT.format(
            "per-user rule groups limit (limit: %d actual: %d) exceeded", limits.maxRuleGroupsPerTenant(), after));
      }
    }
    store.set(tenant, namespace, group);
    return changed();
  }

  private HttpResponse changed() {
    onChange.run();
    return accepted();
  }

  /**
   * The percent-decoded segments of the path after {@code rules/}: one (namespace) or two (namespace, group); null
   * when there are more, or an empty one.
   *
   * @throws IllegalArgumentException when a segment is not valid percent-encoding
   */
  static List<String> segments(String rawPath) {
    String[] parts = rawPath.split("/", -1);
    if (parts.length > 2) {
      return null;
    }
    List<String> out = new ArrayList<>(parts.length);
    for (String part : parts) {
      if (part.isEmpty()) {
        return null;
      }
      out.add(pathUnescape(part));
    }
    return out;
  }

  /** Go's {@code url.PathUnescape}: {@code %XX} escapes decoded as UTF-8 bytes; {@code +} stays a plus. */
  static String pathUnescape(String segment) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      if (segment.charAt(i) != '%') {
        int end = segment.indexOf('%', i);
        end = end < 0 ? segment.length() : end;
        out.writeBytes(segment.substring(i, end).getBytes(StandardCharsets.UTF_8));
        i = end - 1;
        continue;
      }
      if (i + 2 >= segment.length() || Character.digit(segment.charAt(i + 1), 16) < 0
          || Character.digit(segment.charAt(i + 2), 16) < 0) {
        throw new IllegalArgumentException("invalid URL escape \"" + segment.substring(i, Math.min(i + 3,
            segment.length())) + "\" in path segment \"" + segment + "\"");
      }
      out.write(Character.digit(segment.charAt(i + 1), 16) * 16 + Character.digit(segment.charAt(i + 2), 16));
      i += 2;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static HttpResponse accepted() {
    return HttpResponse.of(HttpStatus.ACCEPTED, MediaType.JSON, ACCEPTED);
  }

  private static HttpResponse plain(HttpStatus status, String message) {
    return HttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, message + "\n");
  }
}
