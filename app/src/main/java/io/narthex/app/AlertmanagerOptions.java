package io.narthex.app;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The Alertmanager (Mimir's {@code alertmanager} block). A mixin of {@link NarthexOptions}, reached as
 * {@code options.alertmanager}; its per-tenant limits are in {@link LimitsOptions}.
 */
public final class AlertmanagerOptions {
  @Option(names = {"--alertmanager.enable-api", "-alertmanager.enable-api"},
      descriptionKey = "alertmanager.enable_api", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "serve the Alertmanager configuration API at the root path: `GET`, `POST` and `DELETE "
          + "/api/v1/alerts` (the internal `/multitenant_alertmanager/configs` and "
          + "`/multitenant_alertmanager/delete_tenant_config` are always served)")
  public boolean enableApi = true;

  @Option(names = {"--alertmanager.configs.fallback", "-alertmanager.configs.fallback"},
      descriptionKey = "alertmanager.fallback_config_file", defaultValue = "",
      description = "Alertmanager configuration file used by tenants that stored none; read and validated at start "
          + "(the process does not start with a bad one), and it may use the fields refused to tenants. Empty: "
          + "Mimir's built-in fallback, one receiver `empty-receiver` that notifies nobody")
  public String fallbackConfigFile = "";

  @Option(names = {"--alertmanager.configs.poll-interval", "-alertmanager.configs.poll-interval"},
      descriptionKey = "alertmanager.poll_interval", defaultValue = "15s", converter = DurationConverter.class,
      description = "how often each tenant's configuration is read again from the bucket (a change through this "
          + "process's API applies at once); an unchanged one keeps running as it is, and one that no longer "
          + "validates leaves the previous one running (`cortex_alertmanager_config_last_reload_successful` 0)")
  public Duration pollInterval = Duration.ofSeconds(15);
}
