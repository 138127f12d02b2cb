package io.narthex.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
 *     compactor_block_upload_enabled: true
 *     compactor_block_upload_max_block_size_bytes: 21474836480
 *     ingestion_rate: 50000
 *     ingestion_burst_size: 500000
 *     max_global_series_per_user: 1000000
 *     max_global_series_per_metric: 100000
 *     max_fetched_series_per_query: 100000
 *     max_fetched_chunks_per_query: 2000000
 *     max_fetched_chunk_bytes_per_query: 0
 *     max_query_expression_size_bytes: 262144
 * </pre>
 *
 * A file that does not parse is logged and the last good one kept, so a typo never drops a tenant's limits.
 */
final class RuntimeConfig implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RuntimeConfig.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path file;
  private volatile Map<String, Duration> retentionByTenant = Map.of();
  private volatile Map<String, BlockUploadOverride> blockUploadByTenant = Map.of();
  private volatile Map<String, TenantLimitsOverride> tenantLimitsByTenant = Map.of();
  private volatile Map<String, RulerLimitsOverride> rulerLimitsByTenant = Map.of();
  private volatile Map<String, FetchLimitsOverride> fetchLimitsByTenant = Map.of();
  private volatile Map<String, Integer> maxQueryExpressionSizeBytesByTenant = Map.of();
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
    Map<String, Duration> retention = new HashMap<>();
    JsonNode overrides = root == null ? null : root.get("overrides");
    if (overrides != null) {
      for (var tenant : (Iterable<Map.Entry<String, JsonNode>>) overrides::fields) {
        JsonNode value = tenant.getValue().get("compactor_blocks_retention_period");
        if (value != null) {
          retention.put(tenant.getKey(),
              new DurationConverter().convert(value.asText()));
        }
      }
    }
    Map<String, BlockUploadOverride> blockUploads = blockUploadOverrides(overrides);
    Map<String, TenantLimitsOverride> tenantLimits = tenantLimitsOverrides(overrides);
    Map<String, RulerLimitsOverride> rulerLimits = rulerLimitsOverrides(overrides);
    Map<String, FetchLimitsOverride> fetchLimits = fetchLimitsOverrides(overrides);
    Map<String, Integer> maxQueryExpressionSizeBytes = maxQueryExpressionSizeBytesOverrides(overrides);
    retentionByTenant = Map.copyOf(retention);
    fetchLimitsByTenant = fetchLimits;
    maxQueryExpressionSizeBytesByTenant = maxQueryExpressionSizeBytes;
    blockUploadByTenant = blockUploads;
    tenantLimitsByTenant = tenantLimits;
    rulerLimitsByTenant = rulerLimits;
  }

  /** A tenant's ruler limit overrides, Mimir's keys; a null field keeps the flag's value. */
  private record RulerLimitsOverride(Long maxRulesPerRuleGroup, Long maxRuleGroupsPerTenant) {}

  /** Reads {@code ruler_max_rules_per_rule_group} and {@code ruler_max_rule_groups_per_tenant}. */
  private static Map<String, RulerLimitsOverride> rulerLimitsOverrides(JsonNode overrides) {
    if (overrides == null) {
      return Map.of();
    }
    Map<String, RulerLimitsOverride> byTenant = new HashMap<>();
    for (var tenant : (Iterable<Map.Entry<String, JsonNode>>) overrides::fields) {
      Long rules = intOverride(tenant.getKey(), tenant.getValue(), "ruler_max_rules_per_rule_group");
      Long groups = intOverride(tenant.getKey(), tenant.getValue(), "ruler_max_rule_groups_per_tenant");
      if (rules != null || groups != null) {
        byTenant.put(tenant.getKey(), new RulerLimitsOverride(rules, groups));
      }
    }
    return Map.copyOf(byTenant);
  }

  /** The tenant's ruler limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.ruler.RulerLimits rulerLimits(String tenant, io.narthex.ruler.RulerLimits defaults) {
    RulerLimitsOverride override = rulerLimitsByTenant.get(tenant);
    if (override == null) {
      return defaults;
    }
    return new io.narthex.ruler.RulerLimits(
        override.maxRulesPerRuleGroup() == null ? defaults.maxRulesPerRuleGroup()
            : override.maxRulesPerRuleGroup().intValue(),
        override.maxRuleGroupsPerTenant() == null ? defaults.maxRuleGroupsPerTenant()
            : override.maxRuleGroupsPerTenant().intValue());
  }

  /** A tenant's write limit overrides, Mimir's keys; a null field keeps the flag's value. */
  private record TenantLimitsOverride(
      Double ingestionRate, Long ingestionBurstSize, Long maxGlobalSeriesPerUser, Long maxGlobalSeriesPerMetric) {}

  /** Reads {@code ingestion_rate}, {@code ingestion_burst_size} and the {@code max_global_series_per_*} limits. */
  private static Map<String, TenantLimitsOverride> tenantLimitsOverrides(JsonNode overrides) {
    if (overrides == null) {
      return Map.of();
    }
    Map<String, TenantLimitsOverride> byTenant = new HashMap<>();
    for (var tenant : (Iterable<Map.Entry<String, JsonNode>>) overrides::fields) {
      JsonNode rate = tenant.getValue().get("ingestion_rate");
      if (rate != null && (!rate.isNumber() || rate.asDouble() < 0)) {
        throw new IllegalArgumentException("overrides." + tenant.getKey()
            + ".ingestion_rate must be a number >= 0 (samples per second), got " + rate);
      }
      Long burst = intOverride(tenant.getKey(), tenant.getValue(), "ingestion_burst_size");
      Long perUser = intOverride(tenant.getKey(), tenant.getValue(), "max_global_series_per_user");
      Long perMetric = intOverride(tenant.getKey(), tenant.getValue(), "max_global_series_per_metric");
      if (rate != null || burst != null || perUser != null || perMetric != null) {
        byTenant.put(tenant.getKey(),
            new TenantLimitsOverride(rate == null ? null : rate.asDouble(), burst, perUser, perMetric));
      }
    }
    return Map.copyOf(byTenant);
  }

  private static Long intOverride(String tenant, JsonNode limits, String key) {
    return wholeNumber(tenant, limits, key, Integer.MAX_VALUE, "from 0 to 2^31-1");
  }

  /** The override {@code key} as a whole number from 0 to {@code max}, or null when absent. */
  private static Long wholeNumber(String tenant, JsonNode limits, String key, long max, String range) {
    JsonNode value = limits.get(key);
    if (value == null) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0 || value.asLong() > max) {
      throw new IllegalArgumentException(
          "overrides." + tenant + "." + key + " must be a whole number " + range + ", got " + value);
    }
    return value.asLong();
  }


  /** The tenant's write limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.distributor.TenantLimits tenantLimits(String tenant, io.narthex.distributor.TenantLimits defaults) {
    TenantLimitsOverride override = tenantLimitsByTenant.get(tenant);
    if (override == null) {
      return defaults;
    }
    return new io.narthex.distributor.TenantLimits(
        override.ingestionRate() == null ? defaults.ingestionRate() : override.ingestionRate(),
        override.ingestionBurstSize() == null ? defaults.ingestionBurstSize()
            : override.ingestionBurstSize().intValue(),
        override.maxGlobalSeriesPerUser() == null ? defaults.maxGlobalSeriesPerUser()
            : override.maxGlobalSeriesPerUser().intValue(),
        override.maxGlobalSeriesPerMetric() == null ? defaults.maxGlobalSeriesPerMetric()
            : override.maxGlobalSeriesPerMetric().intValue());
  }

  /** A tenant's query fetch limit overrides, Mimir's keys; a null field keeps the flag's value. */
  private record FetchLimitsOverride(Long maxSeries, Long maxChunks, Long maxChunkBytes) {}

  /** Reads {@code max_fetched_series_per_query}, {@code max_fetched_chunks_per_query} and the chunk bytes one. */
  private static Map<String, FetchLimitsOverride> fetchLimitsOverrides(JsonNode overrides) {
    if (overrides == null) {
      return Map.of();
    }
    Map<String, FetchLimitsOverride> byTenant = new HashMap<>();
    for (var tenant : (Iterable<Map.Entry<String, JsonNode>>) overrides::fields) {
      Long series = longOverride(tenant.getKey(), tenant.getValue(), "max_fetched_series_per_query");
      Long chunks = longOverride(tenant.getKey(), tenant.getValue(), "max_fetched_chunks_per_query");
      Long bytes = longOverride(tenant.getKey(), tenant.getValue(), "max_fetched_chunk_bytes_per_query");
      if (series != null || chunks != null || bytes != null) {
        byTenant.put(tenant.getKey(), new FetchLimitsOverride(series, chunks, bytes));
      }
    }
    return Map.copyOf(byTenant);
  }

  private static Long longOverride(String tenant, JsonNode limits, String key) {
    return wholeNumber(tenant, limits, key, Long.MAX_VALUE, ">= 0 (0 = unlimited)");
  }


  /** The tenant's query fetch limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.querier.FetchLimits fetchLimits(String tenant, io.narthex.querier.FetchLimits defaults) {
    FetchLimitsOverride override = fetchLimitsByTenant.get(tenant);
    if (override == null) {
      return defaults;
    }
    return new io.narthex.querier.FetchLimits(
        override.maxSeries() == null ? defaults.maxSeries() : override.maxSeries(),
        override.maxChunks() == null ? defaults.maxChunks() : override.maxChunks(),
        override.maxChunkBytes() == null ? defaults.maxChunkBytes() : override.maxChunkBytes());
  }

  /** Reads {@code max_query_expression_size_bytes}, Mimir's key. */
  private static Map<String, Integer> maxQueryExpressionSizeBytesOverrides(JsonNode overrides) {
    if (overrides == null) {
      return Map.of();
    }
    Map<String, Integer> byTenant = new HashMap<>();
    for (var tenant : (Iterable<Map.Entry<String, JsonNode>>) overrides::fields) {
      Long maxBytes = intOverride(tenant.getKey(), tenant.getValue(), "max_query_expression_size_bytes");
      if (maxBytes != null) {
        byTenant.put(tenant.getKey(), maxBytes.intValue());
      }
    }
    return Map.copyOf(byTenant);
  }

  /** The tenant's longest query expression in bytes, 0 = unlimited: its override, else {@code defaultBytes}. */
  int maxQueryExpressionSizeBytes(String tenant, int defaultBytes) {
    return maxQueryExpressionSizeBytesByTenant.getOrDefault(tenant, defaultBytes);
  }

  /** A tenant's block upload overrides; a null field keeps the flag's value. */
  private record BlockUploadOverride(Boolean enabled, Long maxBlockSizeBytes) {}

  /** Reads {@code compactor_block_upload_enabled} and {@code compactor_block_upload_max_block_size_bytes}. */
  private static Map<String, BlockUploadOverride> blockUploadOverrides(JsonNode overrides) {
    if (overrides == null) {
      return Map.of();
    }
    Map<String, BlockUploadOverride> byTenant = new HashMap<>();
    for (var tenant : (Iterable<Map.Entry<String, JsonNode>>) overrides::fields) {
      JsonNode enabled = tenant.getValue().get("compactor_block_upload_enabled");
      JsonNode maxBytes = tenant.getValue().get("compactor_block_upload_max_block_size_bytes");
      if (enabled != null && !enabled.isBoolean()) {
        throw new IllegalArgumentException("overrides." + tenant.getKey()
            + ".compactor_block_upload_enabled must be true or false, got " + enabled);
      }
      if (maxBytes != null && (!maxBytes.canConvertToLong() || maxBytes.asLong() < 0)) {
        throw new IllegalArgumentException("overrides." + tenant.getKey()
            + ".compactor_block_upload_max_block_size_bytes must be a whole number >= 0, got " + maxBytes);
      }
      if (enabled != null || maxBytes != null) {
        byTenant.put(tenant.getKey(), new BlockUploadOverride(enabled == null ? null : enabled.asBoolean(),
            maxBytes == null ? null : maxBytes.asLong()));
      }
    }
    return Map.copyOf(byTenant);
  }

  /** The tenant's block upload limits: {@code defaults} (the flags) with its runtime overrides applied. */
  io.narthex.blocks.BlockUploadLimits blockUploadLimits(String tenant, io.narthex.blocks.BlockUploadLimits defaults) {
    BlockUploadOverride override = blockUploadByTenant.get(tenant);
    if (override == null) {
      return defaults;
    }
    io.narthex.blocks.BlockUploadLimits limits = defaults;
    if (override.enabled() != null) {
      limits = limits.withEnabled(override.enabled());
    }
    if (override.maxBlockSizeBytes() != null) {
      limits = limits.withMaxBlockSizeBytes(override.maxBlockSizeBytes());
    }
    return limits;
  }

  /** The tenant's block retention override, or null when it has none. */
  Duration retentionOverride(String tenant) {
    return retentionByTenant.get(tenant);
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }
}
