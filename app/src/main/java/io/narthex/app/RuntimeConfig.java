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
 * </pre>
 *
 * A file that does not parse is logged and the last good one kept, so a typo never drops a tenant's limits.
 */
final class RuntimeConfig implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RuntimeConfig.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path file;
  private volatile Map<String, Duration> retentionByTenant = Map.of();
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
              new NarthexOptions.DurationConverter().convert(value.asText()));
        }
      }
    }
    retentionByTenant = Map.copyOf(retention);
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
