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

  @Option(names = {"--http.alertmanager-http-prefix", "-http.alertmanager-http-prefix"},
      descriptionKey = "api.alertmanager_http_prefix", defaultValue = "/alertmanager",
      description = "path prefix of the Alertmanager API v2 (`<prefix>/api/v2/...`, what `amtool "
          + "--alertmanager.url=http://host<prefix>` talks to); the ruler of a `-target=all` process sends its "
          + "alerts here when `-ruler.alertmanager-url` is empty")
  public String httpPrefix = "/alertmanager";

  @Option(names = {"--alertmanager.max-recv-msg-size", "-alertmanager.max-recv-msg-size"},
      descriptionKey = "alertmanager.max_recv_msg_size", defaultValue = "104857600",
      description = "largest body accepted by the Alertmanager API v2, in bytes (413 beyond)")
  public long maxRecvMsgSizeBytes = 104857600;

  @Option(names = {"--alertmanager.web.external-url", "-alertmanager.web.external-url"},
      descriptionKey = "alertmanager.external_url", defaultValue = "",
      description = "URL under which users reach the Alertmanager: `.ExternalURL` in notification templates (the "
          + "default texts link to `<url>/#/alerts?receiver=...`) and the webhook's `externalURL`; empty: "
          + "`http://localhost:<-server.http-listen-port><-http.alertmanager-http-prefix>`")
  public String externalUrl = "";

  @Option(names = {"--alertmanager.persist-interval", "-alertmanager.persist-interval"},
      descriptionKey = "alertmanager.persist_interval", defaultValue = "15m", converter = DurationConverter.class,
      description = "how often each tenant's silences and notification log are written to the bucket "
          + "(`alertmanager/<tenant>/fullstate`, Mimir's format), when they changed; also at shutdown. A tenant "
          + "reads its state back at its start, so a full restart keeps silences and does not notify again what was "
          + "notified within its repeat interval. Must be greater than zero")
  public Duration persistInterval = Duration.ofMinutes(15);

  @Option(names = {"--alertmanager.max-state-size-bytes", "-alertmanager.max-state-size-bytes"},
      descriptionKey = "alertmanager.max_state_size_bytes", defaultValue = "16777216",
      description = "largest tenant state object read from the bucket at a tenant's start; a larger one, or one "
          + "that would take more than 8 times this on the heap once decoded, is not loaded (logged, "
          + "`narthex_alertmanager_state_load_failures_total{reason=\"too_large\"}`) and the tenant starts empty. "
          + "0 = no limit. Narthex's own flag")
  public long maxStateSizeBytes = 16L << 20;

  @Option(names = {"--alertmanager.sharding-ring.instance-id", "-alertmanager.sharding-ring.instance-id"},
      descriptionKey = "alertmanager.sharding_ring.instance_id", defaultValue = "",
      description = "this alertmanager's id among `alertmanager.sharding_ring.nodes` (config file: `{id, "
          + "raft_address}` entries, as the ingesters' `ingester.ring.nodes`); empty: `--ingester.ring.instance-id`. "
          + "A process whose id is not listed holds no replica and reads and writes through the groups' leaders. "
          + "Without `alertmanager.sharding_ring.nodes` the Alertmanager runs on its own, unreplicated")
  public String instanceId = "";

  @Option(names = {"--alertmanager.sharding-ring.replication-factor",
      "-alertmanager.sharding-ring.replication-factor"},
      descriptionKey = "alertmanager.sharding_ring.replication_factor", defaultValue = "3",
      description = "replicas of each tenant-state Raft group, placed round-robin over "
          + "`alertmanager.sharding_ring.nodes` (at most their number); 3 tolerates one failure")
  public int replicationFactor = 3;

  @Option(names = {"--alertmanager.sharding-ring.group-count", "-alertmanager.sharding-ring.group-count"},
      descriptionKey = "alertmanager.sharding_ring.group_count", defaultValue = "0",
      description = "Raft groups the tenants' state is split into (a tenant's group is `fnv32a(tenant) mod` this, "
          + "so every node must be given the same value); 0: 4 per node of `alertmanager.sharding_ring.nodes`, "
          + "so that leaderships spread. Narthex's own flag")
  public int groupCount = 0;

  @Option(names = {"--alertmanager.storage.path", "-alertmanager.storage.path"},
      descriptionKey = "alertmanager.data_dir", defaultValue = "./data-alertmanager/",
      description = "directory of this node's Raft logs and snapshots of the tenants' state (under `raft/`), "
          + "recovered from at start; used only with `alertmanager.sharding_ring.nodes`")
  public String dataDir = "./data-alertmanager/";

  @Option(names = {"--alertmanager.raft-listen-port", "-alertmanager.raft-listen-port"},
      descriptionKey = "alertmanager.raft_listen_port", defaultValue = "0",
      description = "Raft port of this alertmanager node; 0: the port of its `raft_address` in "
          + "`alertmanager.sharding_ring.nodes`, which any other value must equal (the process does not start "
          + "otherwise), since the other nodes reach it there")
  public int raftListenPort = 0;

  @Option(names = {"--alertmanager.raft.election-timeout", "-alertmanager.raft.election-timeout"},
      descriptionKey = "alertmanager.raft.election_timeout", defaultValue = "1s", converter = DurationConverter.class,
      description = "shortest time without a leader before a replica of a tenant-state group stands for election "
          + "(the longest is twice it)")
  public Duration electionTimeout = Duration.ofSeconds(1);

  @Option(names = {"--alertmanager.raft.write-timeout", "-alertmanager.raft.write-timeout"},
      descriptionKey = "alertmanager.raft.write_timeout", defaultValue = "15s", converter = DurationConverter.class,
      description = "how long a change (alerts, silences, the notification log) or a read waits for its group's "
          + "quorum before it fails with a 503")
  public Duration raftWriteTimeout = Duration.ofSeconds(15);

  @Option(names = {"--alertmanager.raft.snapshot-entries", "-alertmanager.raft.snapshot-entries"},
      descriptionKey = "alertmanager.raft.snapshot_entries", defaultValue = "10000",
      description = "snapshot a tenant-state group after this many applied log entries, then purge the log")
  public long snapshotEntries = 10_000;

  @Option(names = {"--alertmanager.raft.max-entry-size-bytes", "-alertmanager.raft.max-entry-size-bytes"},
      descriptionKey = "alertmanager.raft.max_entry_size_bytes", defaultValue = "4194304",
      description = "largest Raft log entry of a tenant-state group, at least 1024: a post of alerts or a silence "
          + "that takes more is refused with a 413 before it is proposed")
  public int maxEntrySizeBytes = 4 << 20;
}
