package io.narthex.app;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Per-tenant limits, Mimir's {@code limits} block: the defaults that the runtime config's {@code overrides} replace
 * per tenant. A mixin of {@link NarthexOptions}, reached as {@code options.limits}: each option's flag, YAML path
 * ({@code descriptionKey}), default and help are declared here once, and the CLI, {@code --config.file} and
 * docs/configuration.md are all generated from it.
 */
public final class LimitsOptions {
  @Option(names = {"--ingester.out-of-order-time-window", "-ingester.out-of-order-time-window"},
      descriptionKey = "limits.out_of_order_time_window", defaultValue = "0s", converter = DurationConverter.class,
      description = "how far behind a tenant's newest sample a sample older than its series' newest is still "
          + "stored, as Mimir's out-of-order ingestion; `0s` refuses them "
          + "(`err-narthex-sample-out-of-order`). One value for the whole cluster (not per tenant): every "
          + "replica must decide alike. Keep it within half the block range (1h): an older sample may "
          + "fall in a range already cut")
  public Duration outOfOrderTimeWindow = Duration.ZERO;

  @Option(names = {"--validation.max-length-label-name", "-validation.max-length-label-name"},
      descriptionKey = "limits.max_label_name_length", defaultValue = "1024",
      description = "longest label name")
  public int maxLabelNameLength = 1024;

  @Option(names = {"--validation.max-length-label-value", "-validation.max-length-label-value"},
      descriptionKey = "limits.max_label_value_length", defaultValue = "2048",
      description = "longest label value")
  public int maxLabelValueLength = 2048;

  @Option(names = {"--validation.max-label-names-per-series", "-validation.max-label-names-per-series"},
      descriptionKey = "limits.max_label_names_per_series", defaultValue = "30",
      description = "most labels per series")
  public int maxLabelNamesPerSeries = 30;

  @Option(names = {"--validation.create-grace-period", "-validation.create-grace-period"},
      descriptionKey = "limits.creation_grace_period", defaultValue = "10m", converter = DurationConverter.class,
      description = "how far in the future a sample's timestamp may be")
  public Duration createGracePeriod = Duration.ofMinutes(10);

  @Option(names = {"--distributor.ingestion-rate-limit", "-distributor.ingestion-rate-limit"},
      descriptionKey = "limits.ingestion_rate", defaultValue = "10000",
      description = "samples per second a tenant may send; more get 429 `err-narthex-tenant-max-ingestion-rate`. "
          + "Enforced by each distributor on its own (Cortex's `local` strategy; Mimir divides the limit "
          + "among its healthy distributors), so N distributors let a tenant send up to N times it. Per "
          + "tenant: `ingestion_rate` in the runtime config")
  public double ingestionRate = 10_000;

  @Option(names = {"--distributor.ingestion-burst-size", "-distributor.ingestion-burst-size"},
      descriptionKey = "limits.ingestion_burst_size", defaultValue = "200000",
      description = "samples a tenant may send at once above the rate, and so the most samples one request can "
          + "carry. Per tenant: `ingestion_burst_size` in the runtime config")
  public int ingestionBurstSize = 200_000;

  @Option(names = {"--ingester.max-global-series-per-user", "-ingester.max-global-series-per-user"},
      descriptionKey = "limits.max_global_series_per_user", defaultValue = "150000",
      description = "most in-memory series of a tenant, counted over every shard (not divided among them); a series "
          + "that stopped leaves the count when its range is cut into a block (once the tenant's newest sample is "
          + "1.5 block ranges past the range's start, 3h by default, or the head is idle), as in Mimir; a new "
          + "series past it gets 400 `err-narthex-max-series-per-user`, samples of existing series are still "
          + "stored. `0` = "
          + "unlimited. Per tenant: `max_global_series_per_user` in the runtime config; see "
          + "[operations.md](operations.md#per-tenant-limits)")
  public int maxGlobalSeriesPerUser = 150_000;

  @Option(names = {"--ingester.max-global-series-per-metric", "-ingester.max-global-series-per-metric"},
      descriptionKey = "limits.max_global_series_per_metric", defaultValue = "0",
      description = "most in-memory series of one metric name of a tenant, counted over every shard; a new series "
          + "past it gets 400 `err-narthex-max-series-per-metric`. `0` = unlimited (Mimir's default). Per "
          + "tenant: `max_global_series_per_metric` in the runtime config")
  public int maxGlobalSeriesPerMetric = 0;

  @Option(names = {"--ingester.max-global-metadata-per-user", "-ingester.max-global-metadata-per-user"},
      descriptionKey = "limits.max_global_metadata_per_user", defaultValue = "0",
      description = "most metric families with metadata (remote write's type, help and unit) per tenant, over "
          + "every shard; each shard keeps its share (the limit divided by the shard count, rounded up) and refuses "
          + "new families past it, counted in `narthex_ingester_discarded_metadata_total`. `0` = unlimited "
          + "(Mimir's default). One value for the whole cluster (not per tenant): every replica must decide alike")
  public int maxGlobalMetadataPerUser = 0;

  @Option(names = {"--ingester.max-global-metadata-per-metric", "-ingester.max-global-metadata-per-metric"},
      descriptionKey = "limits.max_global_metadata_per_metric", defaultValue = "0",
      description = "most distinct metadata (type, help, unit) kept per metric family of a tenant; more are "
          + "refused and counted in `narthex_ingester_discarded_metadata_total`. `0` = unlimited (Mimir's "
          + "default). One value for the whole cluster")
  public int maxGlobalMetadataPerMetric = 0;

  @Option(names = {"--querier.max-fetched-series-per-query", "-querier.max-fetched-series-per-query"},
      descriptionKey = "limits.max_fetched_series_per_query", defaultValue = "0",
      description = "most distinct series one query may fetch from ingesters and store-gateways; past it 422 "
          + "`err-narthex-max-series-per-query`; `0` = unlimited; per tenant in the runtime config")
  public long maxFetchedSeriesPerQuery = 0;

  @Option(names = {"--querier.max-fetched-chunks-per-query", "-querier.max-fetched-chunks-per-query"},
      descriptionKey = "limits.max_fetched_chunks_per_query", defaultValue = "2000000",
      description = "most chunks one query may fetch; past it 422 `err-narthex-max-chunks-per-query`; `0` = "
          + "unlimited. Mimir's default; per tenant in the runtime config")
  public long maxFetchedChunksPerQuery = 2_000_000;

  @Option(names = {"--querier.max-fetched-chunk-bytes-per-query", "-querier.max-fetched-chunk-bytes-per-query"},
      descriptionKey = "limits.max_fetched_chunk_bytes_per_query", defaultValue = "0",
      description = "most encoded chunk bytes one query may fetch; past it 422 "
          + "`err-narthex-max-chunks-bytes-per-query`; `0` = unlimited; per tenant in the runtime config")
  public long maxFetchedChunkBytesPerQuery = 0;

  @Option(names = {"--query-frontend.max-query-expression-size-bytes",
      "-query-frontend.max-query-expression-size-bytes"},
      descriptionKey = "limits.max_query_expression_size_bytes", defaultValue = "131072",
      description = "longest `query` parameter of query and query_range, in UTF-8 bytes, checked before parsing; "
          + "longer gets 400 `err-narthex-max-query-expression-size-bytes` (errorType `bad_data`). As in "
          + "Mimir, `match[]` selectors are not counted (each regex in them is bounded by the parser's 64 "
          + "Ki-character regex limit). `0` = unlimited, Mimir's default. Narthex's 128 KiB is far above "
          + "real queries (dashboard queries are well under 10 KiB; a multi-value Grafana variable expanded "
          + "to a thousand names is some tens of KiB) and bounds what one query can make the parser do (at "
          + "most two full-length regexes, about a second). Per tenant: `max_query_expression_size_bytes` "
          + "in the runtime config")
  public int maxQueryExpressionSizeBytes = 128 << 10;

  @Option(names = {"--ruler.max-rules-per-rule-group", "-ruler.max-rules-per-rule-group"},
      descriptionKey = "limits.ruler_max_rules_per_rule_group", defaultValue = "20",
      description = "most rules in one rule group; a group with more gets 400 "
          + "`err-narthex-ruler-max-rules-per-rule-group`; `0` = unlimited; per tenant: "
          + "`ruler_max_rules_per_rule_group` in the runtime config")
  public int rulerMaxRulesPerRuleGroup = 20;

  @Option(names = {"--ruler.max-rule-groups-per-tenant", "-ruler.max-rule-groups-per-tenant"},
      descriptionKey = "limits.ruler_max_rule_groups_per_tenant", defaultValue = "70",
      description = "most rule groups of a tenant over all namespaces; a new group past it gets 400 "
          + "`err-narthex-ruler-max-rule-groups-per-tenant`; `0` = unlimited; per tenant: "
          + "`ruler_max_rule_groups_per_tenant` in the runtime config")
  public int rulerMaxRuleGroupsPerTenant = 70;

  @Option(names = {"--alertmanager.max-config-size-bytes", "-alertmanager.max-config-size-bytes"},
      descriptionKey = "limits.alertmanager_max_config_size_bytes", defaultValue = "0",
      description = "largest body of `POST /api/v1/alerts` (config and templates), in bytes; larger gets 400 "
          + "`err-narthex-alertmanager-max-config-size-bytes`; `0` = unlimited, Mimir's default")
  public int alertmanagerMaxConfigSizeBytes = 0;

  @Option(names = {"--alertmanager.max-templates-count", "-alertmanager.max-templates-count"},
      descriptionKey = "limits.alertmanager_max_templates_count", defaultValue = "0",
      description = "most template files in a tenant's Alertmanager config; more gets 400 "
          + "`err-narthex-alertmanager-max-templates-count`; `0` = unlimited")
  public int alertmanagerMaxTemplatesCount = 0;

  @Option(names = {"--alertmanager.max-template-size-bytes", "-alertmanager.max-template-size-bytes"},
      descriptionKey = "limits.alertmanager_max_template_size_bytes", defaultValue = "0",
      description = "largest template file of a tenant's Alertmanager config, in UTF-8 bytes; larger gets 400 "
          + "`err-narthex-alertmanager-max-template-size-bytes`; `0` = unlimited")
  public int alertmanagerMaxTemplateSizeBytes = 0;

  @Option(names = {"--alertmanager.max-alerts-count", "-alertmanager.max-alerts-count"},
      descriptionKey = "limits.alertmanager_max_alerts_count", defaultValue = "0",
      description = "most alerts a tenant's Alertmanager holds; a posted alert over it is refused (the rest of the "
          + "request kept); `0` = unlimited, Mimir's default; per tenant: `alertmanager_max_alerts_count` in the "
          + "runtime config, read when the tenant's Alertmanager starts")
  public int alertmanagerMaxAlertsCount = 0;

  @Option(names = {"--alertmanager.max-alerts-size-bytes", "-alertmanager.max-alerts-size-bytes"},
      descriptionKey = "limits.alertmanager_max_alerts_size_bytes", defaultValue = "0",
      description = "most bytes of labels and annotations a tenant's Alertmanager holds over all its alerts; a "
          + "posted alert over it is refused; `0` = unlimited, Mimir's default; per tenant: "
          + "`alertmanager_max_alerts_size_bytes`")
  public long alertmanagerMaxAlertsSizeBytes = 0;

  @Option(names = {"--alertmanager.max-silences-count", "-alertmanager.max-silences-count"},
      descriptionKey = "limits.alertmanager_max_silences_count", defaultValue = "0",
      description = "most active and pending silences of a tenant; one more gets 400 "
          + "`err-narthex-alertmanager-max-silences-count`; `0` = unlimited, Mimir's default; per tenant: "
          + "`alertmanager_max_silences_count`")
  public int alertmanagerMaxSilencesCount = 0;

  @Option(names = {"--alertmanager.max-silence-size-bytes", "-alertmanager.max-silence-size-bytes"},
      descriptionKey = "limits.alertmanager_max_silence_size_bytes", defaultValue = "0",
      description = "largest silence, in bytes of its matchers, creator and comment; larger gets 400 "
          + "`err-narthex-alertmanager-max-silence-size-bytes`; `0` = unlimited, Mimir's default; per tenant: "
          + "`alertmanager_max_silence_size_bytes`")
  public long alertmanagerMaxSilenceSizeBytes = 0;

  @Option(names = {"--alertmanager.max-dispatcher-aggregation-groups",
      "-alertmanager.max-dispatcher-aggregation-groups"},
      descriptionKey = "limits.alertmanager_max_dispatcher_aggregation_groups", defaultValue = "0",
      description = "most aggregation groups of a tenant's dispatcher; the alerts of a new group over it are not "
          + "dispatched, and counted; `0` = unlimited, Mimir's default; per tenant: "
          + "`alertmanager_max_dispatcher_aggregation_groups`")
  public int alertmanagerMaxDispatcherAggregationGroups = 0;

  @Option(names = {"--alertmanager.notification-rate-limit", "-alertmanager.notification-rate-limit"},
      descriptionKey = "limits.alertmanager_notification_rate_limit", defaultValue = "0",
      description = "notifications per second each receiver integration of a tenant may send (bursts up to one "
          + "second's worth); one over fails, not retried (`err-narthex-alertmanager-notification-rate-limited`); "
          + "`0` = unlimited, Mimir's default; per tenant: `alertmanager_notification_rate_limit`, and per "
          + "integration kind `alertmanager_notification_rate_limit_per_integration` (such as `{webhook: 5}`) in "
          + "the runtime config")
  public double alertmanagerNotificationRateLimit = 0;

  @Option(names = {"--alertmanager.receivers-firewall-block-cidr-networks",
      "-alertmanager.receivers-firewall-block-cidr-networks"},
      descriptionKey = "limits.alertmanager_receivers_firewall_block_cidr_networks", defaultValue = "",
      description = "comma-separated CIDR networks (`10.0.0.0/8,fd00::/8`) that receivers may not connect to: a "
          + "notification to a host resolving into one fails, not retried "
          + "(`err-narthex-alertmanager-receiver-blocked-address`); empty = none, Mimir's default; per tenant: "
          + "`alertmanager_receivers_firewall_block_cidr_networks` in the runtime config")
  public String alertmanagerReceiversFirewallBlockCidrNetworks = "";

  @Option(names = {"--alertmanager.receivers-firewall-block-private-addresses",
      "-alertmanager.receivers-firewall-block-private-addresses"},
      descriptionKey = "limits.alertmanager_receivers_firewall_block_private_addresses", defaultValue = "false",
      arity = "0..1", fallbackValue = "true",
      description = "refuse receivers whose host resolves to a private (RFC 1918, RFC 4193), loopback or "
          + "link-local address (`err-narthex-alertmanager-receiver-blocked-address`); off by default, as "
          + "Mimir's; per tenant: `alertmanager_receivers_firewall_block_private_addresses` in the runtime config")
  public boolean alertmanagerReceiversFirewallBlockPrivateAddresses;

  /** The limits of each tenant's Alertmanager these flags give every tenant (the runtime config overrides them). */
  io.narthex.alertmanager.dispatch.TenantAlertmanager.Settings alertmanagerTenantSettings() {
    return new io.narthex.alertmanager.dispatch.TenantAlertmanager.Settings(
        new io.narthex.alertmanager.dispatch.AlertStore.Limits(alertmanagerMaxAlertsCount,
            alertmanagerMaxAlertsSizeBytes),
        new io.narthex.alertmanager.dispatch.Silences.Limits(alertmanagerMaxSilencesCount,
            alertmanagerMaxSilenceSizeBytes),
        alertmanagerMaxDispatcherAggregationGroups,
        io.narthex.alertmanager.dispatch.NotificationLog.DEFAULT_RETENTION);
  }

  /**
   * The limits on the Alertmanager's receivers these flags give every tenant (the runtime config overrides them).
   *
   * @throws IllegalArgumentException naming a network that is not {@code <ip>/<bits>}
   */
  io.narthex.alertmanager.notify.NotifyLimits alertmanagerNotifyLimits() {
    return new io.narthex.alertmanager.notify.NotifyLimits(alertmanagerNotificationRateLimit, java.util.Map.of(),
        new io.narthex.alertmanager.notify.Firewall(
            RuntimeConfig.cidrs(alertmanagerReceiversFirewallBlockCidrNetworks).blockCidrs(),
            alertmanagerReceiversFirewallBlockPrivateAddresses));
  }

  @Option(names = {"--compactor.block-upload-enabled", "-compactor.block-upload-enabled"},
      descriptionKey = "limits.compactor_block_upload_enabled", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "let tenants upload blocks through `/api/v1/upload/block/` (backfill); off by default, as "
          + "Mimir's; per tenant: `compactor_block_upload_enabled` in the runtime config")
  public boolean blockUploadEnabled;

  @Option(names = {"--compactor.block-upload-max-block-size-bytes", "-compactor.block-upload-max-block-size-bytes"},
      descriptionKey = "limits.compactor_block_upload_max_block_size_bytes", defaultValue = "10737418240",
      description = "largest block a tenant may upload, all files summed; `0` for no limit (Mimir's default: finish "
          + "copies the block to local disk to validate it, so Narthex caps it at 10 GiB); per tenant: "
          + "`compactor_block_upload_max_block_size_bytes` in the runtime config")
  public long blockUploadMaxBlockSizeBytes = 10L << 30;

  @Option(names = {"--compactor.blocks-retention-period", "-compactor.blocks-retention-period"},
      descriptionKey = "limits.compactor_blocks_retention_period", defaultValue = "0s",
      converter = DurationConverter.class,
      description = "delete blocks whose data is all older than this; `0` keeps them forever; per tenant: "
          + "`compactor_blocks_retention_period` in the runtime config")
  public Duration blocksRetentionPeriod = Duration.ZERO;
}
