package io.narthex.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.narthex.common.PrometheusDurations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-tenant limits that change without a restart, from {@code --runtime-config.file} in Mimir's shape, reread
 * every {@code --runtime-config.reload-period}:
 *
 * <pre>
 * overrides:
 *   tenant-a:
 *     compactor_blocks_retention_period: 30d
 *     ingestion_rate: 50000
 *     max_global_series_per_user: 1000000
 * </pre>
 *
 * Each tenant may override the limits in {@link #KEYS}, under Mimir's names; a value of the wrong type or range, or
 * a key Narthex does not know, rejects the whole file naming the tenant and key, as Mimir's strict YAML does. A file
 * that does not parse is logged and the last good one kept, so a typo never drops a tenant's limits.
 */
final class RuntimeConfig implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RuntimeConfig.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** How an override's value is read and checked. */
  private enum Kind {
    /** A whole number from 0 to 2^31-1. */
    INT,
    /** A whole number from 0 to 2^63-1. */
    LONG,
    /** A number >= 0. */
    RATE,
    BOOLEAN,
    /** A Prometheus duration. */
    DURATION,
    /** A map from a Mimir integration name ({@code webhook}, {@code email}, ...) to a rate >= 0. */
    INTEGRATION_RATES,
    /** Comma-separated CIDR networks, as Mimir's {@code flagext.CIDRSliceCSV}. */
    CIDRS
  }

  /** The integration names Mimir's {@code alertmanager_notification_rate_limit_per_integration} accepts. */
  static final java.util.Set<String> INTEGRATIONS = java.util.Set.of("webhook", "email", "pagerduty", "opsgenie",
      "wechat", "slack", "victorops", "pushover", "sns", "webex", "telegram", "discord", "msteams");

  /** Every limit a tenant may override, by Mimir's key. */
  static final Map<String, Kind> KEYS = Map.ofEntries(
      Map.entry("ingestion_rate", Kind.RATE),
      Map.entry("ingestion_burst_size", Kind.INT),
      Map.entry("max_global_series_per_user", Kind.INT),
      Map.entry("max_global_series_per_metric", Kind.INT),
      Map.entry("max_fetched_series_per_query", Kind.LONG),
      Map.entry("max_fetched_chunks_per_query", Kind.LONG),
      Map.entry("max_fetched_chunk_bytes_per_query", Kind.LONG),
      Map.entry("max_query_expression_size_bytes", Kind.INT),
      Map.entry("compactor_blocks_retention_period", Kind.DURATION),
      Map.entry("compactor_block_upload_enabled", Kind.BOOLEAN),
      Map.entry("compactor_block_upload_max_block_size_bytes", Kind.LONG),
      Map.entry("ruler_max_rules_per_rule_group", Kind.INT),
      Map.entry("ruler_max_rule_groups_per_tenant", Kind.INT),
      Map.entry("ruler_evaluation_delay_duration", Kind.DURATION),
      Map.entry("alertmanager_max_config_size_bytes", Kind.INT),
      Map.entry("alertmanager_max_templates_count", Kind.INT),
      Map.entry("alertmanager_max_template_size_bytes", Kind.INT),
      Map.entry("alertmanager_max_alerts_count", Kind.INT),
      Map.entry("alertmanager_max_alerts_size_bytes", Kind.LONG),
      Map.entry("alertmanager_max_silences_count", Kind.INT),
      Map.entry("alertmanager_max_silence_size_bytes", Kind.LONG),
      Map.entry("alertmanager_max_dispatcher_aggregation_groups", Kind.INT),
      Map.entry("alertmanager_notification_rate_limit", Kind.RATE),
      Map.entry("alertmanager_notification_rate_limit_per_integration", Kind.INTEGRATION_RATES),
      Map.entry("alertmanager_receivers_firewall_block_cidr_networks", Kind.CIDRS),
      Map.entry("alertmanager_receivers_firewall_block_private_addresses", Kind.BOOLEAN));

  private final Path file;
  /** Per tenant, its overrides by key: Long, Double, Boolean or Duration as {@link #KEYS} says. */
  private volatile Map<String, Map<String, Object>> overridesByTenant = Map.of();
  private final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("runtime-config").factory());

  /**
   * @param file null for none: every tenant gets the defaults
   * @throws IllegalArgumentException when the file exists at start but does not parse
   */
  RuntimeConfig(Path file, Duration reloadPeriod) {
    this.file = file;
    if (file != null) {
      try {
        load();
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("--runtime-config.file " + file + ": " + e.getMessage(), e);
      }
      long periodMs = reloadPeriod.toMillis();
      reloader.scheduleWithFixedDelay(() -> {
        try {
          load();
        } catch (IOException | RuntimeException e) {
          log.warn("runtime config not reloaded, keeping the last good one file={} err=\"{}\"", file, e.getMessage());
        }
      }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }
  }

  private void load() throws IOException {
    JsonNode root = YAML.readTree(Files.readString(file));
    JsonNode overrides = root == null ? null : root.get("overrides");
    Map<String, Map<String, Object>> byTenant = new HashMap<>();
    if (overrides != null && !overrides.isNull()) {
      for (var tenant : (Iterable<Map.Entry<String, JsonNode>>) overrides::fields) {
        Map<String, Object> values = new HashMap<>();
        for (var limit : (Iterable<Map.Entry<String, JsonNode>>) tenant.getValue()::fields) {
          values.put(limit.getKey(), read(tenant.getKey(), limit.getKey(), limit.getValue()));
        }
        byTenant.put(tenant.getKey(), Map.copyOf(values));
      }
    }
    overridesByTenant = Map.copyOf(byTenant);
  }

  /** @throws IllegalArgumentException naming {@code overrides.<tenant>.<key>} */
  private static Object read(String tenant, String key, JsonNode value) {
    Kind kind = KEYS.get(key);
    String where = "overrides." + tenant + "." + key;
    if (kind == null) {
      throw new IllegalArgumentException(where + " is not a limit Narthex knows; the known ones are "
          + new TreeSet<>(KEYS.keySet()));
    }
    switch (kind) {
      case INT, LONG -> {
        long max = kind == Kind.INT ? Integer.MAX_VALUE : Long.MAX_VALUE;
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0 || value.asLong() > max) {
          throw new IllegalArgumentException(where + " must be a whole number from 0 to "
              + (kind == Kind.INT ? "2^31-1" : "2^63-1") + " (0 = unlimited), got " + value);
        }
        return value.asLong();
      }
      case RATE -> {
        if (!value.isNumber() || value.asDouble() < 0) {
          throw new IllegalArgumentException(where + " must be a number >= 0, got " + value);
        }
        return value.asDouble();
      }
      case BOOLEAN -> {
        if (!value.isBoolean()) {
          throw new IllegalArgumentException(where + " must be true or false, got " + value);
        }
        return value.asBoolean();
      }
      case DURATION -> {
        try {
          return Duration.ofMillis(PrometheusDurations.parseMs(value.asText()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + " must be a Prometheus duration such as 30d: " + e.getMessage());
        }
      }
      case INTEGRATION_RATES -> {
        if (!value.isObject()) {
          throw new IllegalArgumentException(where + " must map integration names to rates, got " + value);
        }
        Map<String, Double> rates = new HashMap<>();
        for (var rate : (Iterable<Map.Entry<String, JsonNode>>) value::fields) {
          if (!INTEGRATIONS.contains(rate.getKey())) {
            throw new IllegalArgumentException(where + ": unknown integration name " + rate.getKey()
                + "; the known ones are " + new TreeSet<>(INTEGRATIONS));
          }
          if (!rate.getValue().isNumber() || rate.getValue().asDouble() < 0) {
            throw new IllegalArgumentException(where + "." + rate.getKey() + " must be a number >= 0, got "
                + rate.getValue());
          }
          rates.put(rate.getKey(), rate.getValue().asDouble());
        }
        return Map.copyOf(rates);
      }
      case CIDRS -> {
        try {
          return cidrs(value.isNull() ? "" : value.asText());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
      }
      default -> throw new AssertionError(kind);
    }
  }

  /**
   * Comma-separated CIDR networks as a firewall blocking them (and no private address).
   *
   * @throws IllegalArgumentException {@code invalid CIDR address: <text>}
   */
  static io.narthex.alertmanager.notify.Firewall cidrs(String csv) {
    java.util.List<String> networks = new java.util.ArrayList<>();
    for (String network : csv.split(",")) {
      if (!network.isBlank()) {
        networks.add(network.strip());
      }
    }
    return io.narthex.alertmanager.notify.Firewall.of(networks, false);
  }

  /** The tenant's override of {@code key}, or null. */
  private Object override(String tenant, String key) {
    Map<String, Object> values = overridesByTenant.get(tenant);
    return values == null ? null : values.get(key);
  }

  private int intLimit(String tenant, String key, int defaultValue) {
    Object value = override(tenant, key);
    return value == null ? defaultValue : ((Long) value).intValue();
  }

  private long longLimit(String tenant, String key, long defaultValue) {
    Object value = override(tenant, key);
    return value == null ? defaultValue : (Long) value;
  }

  /** The tenant's write limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.distributor.TenantLimits tenantLimits(String tenant, io.narthex.distributor.TenantLimits defaults) {
    if (!overridesByTenant.containsKey(tenant)) {
      return defaults;
    }
    Object rate = override(tenant, "ingestion_rate");
    return new io.narthex.distributor.TenantLimits(
        rate == null ? defaults.ingestionRate() : (Double) rate,
        intLimit(tenant, "ingestion_burst_size", defaults.ingestionBurstSize()),
        intLimit(tenant, "max_global_series_per_user", defaults.maxGlobalSeriesPerUser()),
        intLimit(tenant, "max_global_series_per_metric", defaults.maxGlobalSeriesPerMetric()));
  }

  /** The tenant's query fetch limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.querier.FetchLimits fetchLimits(String tenant, io.narthex.querier.FetchLimits defaults) {
    if (!overridesByTenant.containsKey(tenant)) {
      return defaults;
    }
    return new io.narthex.querier.FetchLimits(
        longLimit(tenant, "max_fetched_series_per_query", defaults.maxSeries()),
        longLimit(tenant, "max_fetched_chunks_per_query", defaults.maxChunks()),
        longLimit(tenant, "max_fetched_chunk_bytes_per_query", defaults.maxChunkBytes()));
  }

  /** The tenant's longest query expression in bytes, 0 = unlimited: its override, else {@code defaultBytes}. */
  int maxQueryExpressionSizeBytes(String tenant, int defaultBytes) {
    return intLimit(tenant, "max_query_expression_size_bytes", defaultBytes);
  }

  /** The tenant's block upload limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.blocks.BlockUploadLimits blockUploadLimits(String tenant, io.narthex.blocks.BlockUploadLimits defaults) {
    io.narthex.blocks.BlockUploadLimits limits = defaults;
    if (override(tenant, "compactor_block_upload_enabled") instanceof Boolean enabled) {
      limits = limits.withEnabled(enabled);
    }
    if (override(tenant, "compactor_block_upload_max_block_size_bytes") instanceof Long maxBytes) {
      limits = limits.withMaxBlockSizeBytes(maxBytes);
    }
    return limits;
  }

  /** The tenant's block retention override, or null when it has none. */
  Duration retentionOverride(String tenant) {
    return (Duration) override(tenant, "compactor_blocks_retention_period");
  }

  /** The tenant's ruler limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.ruler.RulerLimits rulerLimits(String tenant, io.narthex.ruler.RulerLimits defaults) {
    if (!overridesByTenant.containsKey(tenant)) {
      return defaults;
    }
    return new io.narthex.ruler.RulerLimits(
        intLimit(tenant, "ruler_max_rules_per_rule_group", defaults.maxRulesPerRuleGroup()),
        intLimit(tenant, "ruler_max_rule_groups_per_tenant", defaults.maxRuleGroupsPerTenant()));
  }

  /**
   * The tenant's rule evaluation delay, the query offset of its groups that set none: its
   * {@code ruler_evaluation_delay_duration} override, else {@code defaultDelay} ({@code -ruler.evaluation-delay-duration}).
   */
  Duration rulerEvaluationDelay(String tenant, Duration defaultDelay) {
    return override(tenant, "ruler_evaluation_delay_duration") instanceof Duration delay ? delay : defaultDelay;
  }

  /** The tenant's Alertmanager config limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.alertmanager.AlertmanagerLimits alertmanagerLimits(String tenant,
      io.narthex.alertmanager.AlertmanagerLimits defaults) {
    if (!overridesByTenant.containsKey(tenant)) {
      return defaults;
    }
    return new io.narthex.alertmanager.AlertmanagerLimits(
        intLimit(tenant, "alertmanager_max_config_size_bytes", defaults.maxConfigSizeBytes()),
        intLimit(tenant, "alertmanager_max_templates_count", defaults.maxTemplatesCount()),
        intLimit(tenant, "alertmanager_max_template_size_bytes", defaults.maxTemplateSizeBytes()));
  }

  /**
   * The limits of the tenant's Alertmanager (alerts, silences, aggregation groups): {@code defaults} (the flags)
   * with its runtime overrides applied.
   */
  io.narthex.alertmanager.dispatch.TenantAlertmanager.Settings alertmanagerTenantSettings(String tenant,
      io.narthex.alertmanager.dispatch.TenantAlertmanager.Settings defaults) {
    if (!overridesByTenant.containsKey(tenant)) {
      return defaults;
    }
    return new io.narthex.alertmanager.dispatch.TenantAlertmanager.Settings(
        new io.narthex.alertmanager.dispatch.AlertStore.Limits(
            intLimit(tenant, "alertmanager_max_alerts_count", defaults.alertLimits().maxAlertsCount()),
            longLimit(tenant, "alertmanager_max_alerts_size_bytes", defaults.alertLimits().maxAlertsSizeBytes())),
        new io.narthex.alertmanager.dispatch.Silences.Limits(
            intLimit(tenant, "alertmanager_max_silences_count", defaults.silenceLimits().maxSilencesCount()),
            longLimit(tenant, "alertmanager_max_silence_size_bytes",
                defaults.silenceLimits().maxSilenceSizeBytes())),
        intLimit(tenant, "alertmanager_max_dispatcher_aggregation_groups", defaults.maxAggregationGroups()),
        defaults.retention());
  }

  /** The tenant's limits on its Alertmanager receivers: {@code defaults} (the flags) with its runtime overrides. */
  @SuppressWarnings("unchecked")
  io.narthex.alertmanager.notify.NotifyLimits notifyLimits(String tenant,
      io.narthex.alertmanager.notify.NotifyLimits defaults) {
    if (!overridesByTenant.containsKey(tenant)) {
      return defaults;
    }
    Object rate = override(tenant, "alertmanager_notification_rate_limit");
    Object perIntegration = override(tenant, "alertmanager_notification_rate_limit_per_integration");
    Object cidrs = override(tenant, "alertmanager_receivers_firewall_block_cidr_networks");
    Object blockPrivate = override(tenant, "alertmanager_receivers_firewall_block_private_addresses");
    return new io.narthex.alertmanager.notify.NotifyLimits(
        rate == null ? defaults.rateLimit() : (Double) rate,
        perIntegration == null ? defaults.rateLimitPerIntegration() : (Map<String, Double>) perIntegration,
        new io.narthex.alertmanager.notify.Firewall(
            cidrs == null ? defaults.firewall().blockCidrs()
                : ((io.narthex.alertmanager.notify.Firewall) cidrs).blockCidrs(),
            blockPrivate == null ? defaults.firewall().blockPrivateAddresses() : (Boolean) blockPrivate));
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }
}
