package io.narthex.app;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The ruler and its rule storage (Mimir's {@code ruler} and {@code ruler_storage} blocks). A mixin of {@link
 * NarthexOptions}, reached as {@code options.ruler}: each option's flag, YAML path ({@code descriptionKey}), default
 * and help are declared here once, and the CLI, {@code --config.file} and docs/configuration.md are all generated from
 * it.
 */
public final class RulerOptions {
  @Option(names = {"--ruler-storage.backend", "-ruler-storage.backend"},
      descriptionKey = "ruler_storage.backend", defaultValue = "bucket",
      description = "where rule groups are kept: `bucket` (Mimir's `filesystem` and `s3` are accepted as synonyms) "
          + "stores one object per group under `rules/` in the blocks bucket, so the rules config API can write; "
          + "`local` reads Prometheus rule files from `-ruler-storage.local.directory` and refuses writes. Narthex has "
          + "one bucket, so `bucket` is the default of a single process as of a cluster")
  public String storageBackend = "bucket";

  @Option(names = {"--ruler-storage.local.directory", "-ruler-storage.local.directory"},
      descriptionKey = "ruler_storage.local.directory", defaultValue = "",
      description = "with `-ruler-storage.backend=local`: the directory of rule files, `<directory>/<tenant>/*.yaml` "
          + "(and `*.yml`), each file a namespace named after it")
  public String storageLocalDirectory = "";

  @Option(names = {"--ruler.enable-api", "-ruler.enable-api"},
      descriptionKey = "ruler.enable_api", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "serve the rules config API under `-http.prometheus-http-prefix` (`/config/v1/rules`)")
  public boolean enableApi = true;

  @Option(names = {"--ruler.evaluation-interval", "-ruler.evaluation-interval"},
      descriptionKey = "ruler.evaluation_interval", defaultValue = "1m", converter = DurationConverter.class,
      description = "how often a rule group is evaluated when it sets no `interval`; at least 1ms. Each group runs at "
          + "Prometheus's instants: a multiple of its interval plus an offset hashed from its name and namespace")
  public Duration evaluationInterval = Duration.ofMinutes(1);

  @Option(names = {"--ruler.poll-interval", "-ruler.poll-interval"},
      descriptionKey = "ruler.poll_interval", defaultValue = "10m", converter = DurationConverter.class,
      description = "how often the ruler reads every tenant's rule groups from the rule store again; a change made "
          + "through this process's rules config API is applied at once")
  public Duration pollInterval = Duration.ofMinutes(10);

  @Option(names = {"--ruler.evaluation-delay-duration", "-ruler.evaluation-delay-duration"},
      descriptionKey = "limits.ruler_evaluation_delay_duration", defaultValue = "1m",
      converter = DurationConverter.class,
      description = "query offset of a rule group that sets neither `query_offset` nor `evaluation_delay`: its "
          + "queries run that long before the evaluation instant, and its output samples carry that time, so that "
          + "late samples are in; per tenant: `ruler_evaluation_delay_duration` in the runtime config")
  public Duration evaluationDelay = Duration.ofMinutes(1);

  @Option(names = {"--ruler.rule-evaluation-write-enabled", "-ruler.rule-evaluation-write-enabled"},
      descriptionKey = "ruler.rule_evaluation_write_enabled", defaultValue = "true", arity = "0..1",
      fallbackValue = "true",
      description = "write what recording and alerting rules produce through the distributor; `false` evaluates "
          + "them without writing (for testing)")
  public boolean ruleEvaluationWriteEnabled = true;

  @Option(names = {"--ruler.max-concurrent-group-evaluations", "-ruler.max-concurrent-group-evaluations"},
      descriptionKey = "ruler.max_concurrent_group_evaluations", defaultValue = "16",
      description = "most rule group evaluations running at once in this ruler, at least 1; one tenant gets at most "
          + "half of them (rounded up), so slow rules of one tenant cannot delay the others'. Narthex's own: Mimir "
          + "has no such bound")
  public int maxConcurrentGroupEvaluations = 16;

  @Option(names = {"--ruler.ring.instance-id", "-ruler.ring.instance-id"},
      descriptionKey = "ruler.ring.instance_id", defaultValue = "",
      description = "this ruler's id among `ruler.ring.nodes` (`{id, http_address}` entries in the config file; "
          + "without them every ruler owns every rule group, so run one); empty: `--ingester.ring.instance-id`. "
          + "Each group is evaluated by the one ruler that wins its `<tenant>/<namespace>/<group>` key by "
          + "rendezvous hashing")
  public String instanceId = "";

  @Option(names = {"--ruler.alertmanager-url", "-ruler.alertmanager-url"},
      descriptionKey = "ruler.alertmanager_url", defaultValue = "",
      description = "comma-separated Alertmanager URLs (`http(s)://[user:password@]host[:port][/path]`; the user and "
          + "password become basic auth) to send firing and resolved alerts to, at `<url>/api/v2/alerts` with "
          + "`X-Scope-OrgID: <tenant>`; for Narthex's own Alertmanager, `http://host/alertmanager`. Empty: a process "
          + "that runs the Alertmanager too (`-target=all`) sends to its own over loopback "
          + "(`http://127.0.0.1:<port><-http.alertmanager-http-prefix>`); any other evaluates alerts and writes them "
          + "as `ALERTS` series but sends them nowhere. DNS service discovery (`dns+`) is not supported")
  public String alertmanagerUrl = "";

  @Option(names = {"--ruler.notification-queue-capacity", "-ruler.notification-queue-capacity"},
      descriptionKey = "ruler.notification_queue_capacity", defaultValue = "10000",
      description = "alerts each tenant's notifier holds before sending; when full the oldest are dropped and counted "
          + "in `cortex_prometheus_notifications_dropped_total`")
  public int notificationQueueCapacity = 10000;

  @Option(names = {"--ruler.notification-timeout", "-ruler.notification-timeout"},
      descriptionKey = "ruler.notification_timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "HTTP timeout of one send of a batch of alerts to one Alertmanager")
  public Duration notificationTimeout = Duration.ofSeconds(10);

  @Option(names = {"--ruler.resend-delay", "-ruler.resend-delay"},
      descriptionKey = "ruler.resend_delay", defaultValue = "1m", converter = DurationConverter.class,
      description = "minimum time before a firing alert is sent to Alertmanager again")
  public Duration resendDelay = Duration.ofMinutes(1);

  @Option(names = {"--ruler.for-outage-tolerance", "-ruler.for-outage-tolerance"},
      descriptionKey = "ruler.for_outage_tolerance", defaultValue = "1h", converter = DurationConverter.class,
      description = "how far back a rule group newly run by this ruler (after a restart or a move) looks for its "
          + "alerts' `ALERTS_FOR_STATE` series to restore their `for` state")
  public Duration forOutageTolerance = Duration.ofHours(1);

  @Option(names = {"--ruler.for-grace-period", "-ruler.for-grace-period"},
      descriptionKey = "ruler.for_grace_period", defaultValue = "2m", converter = DurationConverter.class,
      description = "alerts whose `for` is shorter are not restored; a restored pending alert fires at its original "
          + "time, but no sooner than this after the restore; a restored firing alert fires again at once")
  public Duration forGracePeriod = Duration.ofMinutes(2);

  @Option(names = {"--ruler.external.url", "-ruler.external.url"},
      descriptionKey = "ruler.external_url", defaultValue = "",
      description = "URL of the alerts' return path: the base of each alert's `generatorURL` and the templates' "
          + "`$externalURL`")
  public String externalUrl = "";

  @Option(names = {"--ruler.tenant-federation.enabled", "-ruler.tenant-federation.enabled"},
      descriptionKey = "ruler.tenant_federation.enabled", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "evaluate federated rule groups: a group's `source_tenants` are read as one, each series "
          + "labelled `__tenant_id__`, and its output is written to the group's own tenant. Needs "
          + "`-tenant-federation.enabled=true`. Off, a group with `source_tenants` is refused by the rules config API "
          + "(400 `err-narthex-ruler-tenant-federation-disabled`), and one already stored is not evaluated: its "
          + "rules fail with that id")
  public boolean tenantFederationEnabled = false;
}
