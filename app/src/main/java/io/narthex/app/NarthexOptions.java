package io.narthex.app;

import io.narthex.common.TenantResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Every setting of a Narthex process. Flags mirror Mimir's names (both {@code -flag} and {@code --flag} work) and
 * each option's {@code descriptionKey} is its YAML path in {@code --config.file}, also mirroring Mimir's. Flags
 * override the file; the file overrides the defaults, which run one process on local disk.
 */
@Command(
    name = "narthex",
    mixinStandardHelpOptions = true,
    versionProvider = NarthexOptions.VersionProvider.class,
    description = "Narthex: a horizontally scalable, multi-tenant long-term store for Prometheus metrics.",
    showDefaultValues = true,
    sortOptions = false)
public final class NarthexOptions {
  /** The components a process can run. */
  public enum Target {
    ALL,
    DISTRIBUTOR,
    INGESTER,
    QUERIER,
    STORE_GATEWAY,
    COMPACTOR,
    RULER
  }

  @Option(names = {"--config.file", "-config.file"}, paramLabel = "<file>",
      description = "YAML configuration file")
  String configFile;

  /** {@link #configFile} as read and checked; null without one. */
  ConfigFile config;

  @Option(names = {"--target", "-target"}, descriptionKey = "target", split = ",", defaultValue = "all",
      converter = TargetConverter.class,
      description = "comma-separated components to run: `all`, `distributor`, `ingester`, `querier`, "
          + "`store-gateway`, `compactor`, `ruler`")
  List<Target> targets = new ArrayList<>(List.of(Target.ALL));

  @Option(names = {"--server.http-listen-address", "-server.http-listen-address"},
      descriptionKey = "server.http_listen_address", defaultValue = "",
      description = "HTTP listen address; empty: all interfaces")
  public String httpListenAddress = "";

  @Option(names = {"--server.http-listen-port", "-server.http-listen-port"},
      descriptionKey = "server.http_listen_port", defaultValue = "9009",
      description = "HTTP port; `0` picks a free one")
  public int httpListenPort = 9009;

  @Option(names = {"--server.grpc-listen-port", "-server.grpc-listen-port"},
      descriptionKey = "server.grpc_listen_port", defaultValue = "9095",
      description = "gRPC port of the ingester and store-gateway; `0` picks a free one")
  public int grpcListenPort = 9095;

  @Option(names = {"--server.grpc-listen-address", "-server.grpc-listen-address"},
      descriptionKey = "server.grpc_listen_address", defaultValue = "",
      description = "gRPC listen address. Empty: the host of this node's `grpc_address` in the ring when it is a "
          + "loopback address (`127.0.0.1` in single-process mode, where the ring is implicit), else "
          + "`--server.http-listen-address`, else all interfaces. Keep the port private: see "
          + "[Security](operations.md#security)")
  public String grpcListenAddress = "";

  @Option(names = {"--server.grpc-tls-cert-path", "-server.grpc-tls-cert-path"},
      descriptionKey = "server.grpc_tls_config.cert_file", defaultValue = "",
      description = "PEM certificate of the gRPC and Raft servers; with the next two flags it turns on mutual TLS "
          + "on both ports; empty: plaintext")
  public String grpcTlsCertPath = "";

  @Option(names = {"--server.grpc-tls-key-path", "-server.grpc-tls-key-path"},
      descriptionKey = "server.grpc_tls_config.key_file", defaultValue = "",
      description = "PKCS#8 PEM private key of that certificate")
  public String grpcTlsKeyPath = "";

  @Option(names = {"--server.grpc-tls-ca-path", "-server.grpc-tls-ca-path"},
      descriptionKey = "server.grpc_tls_config.client_ca_file", defaultValue = "",
      description = "PEM CA that a client's certificate must chain to; a gRPC or Raft client without one is refused "
          + "(always Mimir's `RequireAndVerifyClientCert`: Narthex has no `-server.grpc-tls-client-auth`). "
          + "Replicas also verify each other's server certificates with it")
  public String grpcTlsCaPath = "";

  @Option(names = {"--server.admin-routes-enabled", "-server.admin-routes-enabled"},
      descriptionKey = "server.admin_routes_enabled", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "serve the operator routes (`/ingester/flush`, `/ingester/shards`, `/compactor/delete_tenant`, "
          + "`/compactor/delete_tenant_status`, Prometheus's `delete_series`); `false` removes them (404), "
          + "for deployments where tenants reach the HTTP port; Mimir has no such switch")
  public boolean adminRoutesEnabled = true;

  @Option(names = {"--auth.multitenancy-enabled", "-auth.multitenancy-enabled"},
      descriptionKey = "multitenancy_enabled", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "require `X-Scope-OrgID`; when false every request is tenant `anonymous`")
  public boolean multitenancyEnabled = true;

  @Option(names = {"--auth.tenant-from-basic-auth", "-auth.tenant-from-basic-auth"},
      descriptionKey = "auth.tenant_from_basic_auth", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      description = "a request without `X-Scope-OrgID` takes its tenant from its HTTP basic-auth user name, checked "
          + "as the header is; the password is ignored (authentication is the proxy's job). A header and a "
          + "different user name get 400 `err-narthex-tenant-header-and-basic-auth-differ`. As hosted Mimir "
          + "gateways; Mimir itself has no such flag")
  public boolean tenantFromBasicAuth = false;

  /** How every HTTP endpoint tells a request's tenant, from {@code -auth.*}. */
  public TenantResolver tenantResolver() {
    return new TenantResolver(multitenancyEnabled, tenantFromBasicAuth);
  }

  @Option(names = {"--ingester.ring.instance-id", "-ingester.ring.instance-id", "--ingester.node-id",
      "-ingester.node-id"}, descriptionKey = "ingester.ring.instance_id", defaultValue = "ingester-1",
      description = "this ingester's id among `ingester.ring.nodes`; `--ingester.node-id` (YAML `ingester.node_id`) "
          + "is a deprecated alias that logs a warning")
  public String nodeId = "ingester-1";

  @Option(names = {"--ingester.raft-listen-port", "-ingester.raft-listen-port"},
      descriptionKey = "ingester.raft_listen_port", defaultValue = "9096",
      description = "Raft port of the ingester; `0` picks a free one")
  public int raftListenPort = 9096;

  @Option(names = {"--ingester.raft-listen-address", "-ingester.raft-listen-address"},
      descriptionKey = "ingester.raft_listen_address", defaultValue = "",
      description = "Raft listen address; empty: as for `--server.grpc-listen-address`, from this node's "
          + "`raft_address`")
  public String raftListenAddress = "";

  @Option(names = {"--ingester.ring.replication-factor", "-ingester.ring.replication-factor",
      "--ingester.replication-factor", "-ingester.replication-factor"},
      descriptionKey = "ingester.ring.replication_factor", defaultValue = "1",
      description = "replicas per shard when shards are placed round-robin (3 in a cluster)")
  public int replicationFactor = 1;

  @Option(names = {"--ingester.raft.election-timeout", "-ingester.raft.election-timeout"},
      descriptionKey = "ingester.raft.election_timeout", defaultValue = "1s", converter = DurationConverter.class,
      description = "shortest time without a leader before a replica stands for election (the longest is twice it)")
  public Duration electionTimeout = Duration.ofSeconds(1);

  @Option(names = {"--ingester.raft.snapshot-entries", "-ingester.raft.snapshot-entries"},
      descriptionKey = "ingester.raft.snapshot_entries", defaultValue = "20000",
      description = "snapshot a shard's heads after this many log entries, then purge the log")
  public long snapshotEntries = 20_000;

  @Option(names = {"--ingester.out-of-order-time-window", "-ingester.out-of-order-time-window"},
      descriptionKey = "limits.out_of_order_time_window", defaultValue = "0s", converter = DurationConverter.class,
      description = "how far behind a tenant's newest sample a sample older than its series' newest is still "
          + "stored, as Mimir's out-of-order ingestion; `0s` refuses them "
          + "(`err-narthex-sample-out-of-order`). One value for the whole cluster (not per tenant): every "
          + "replica must decide alike. Keep it under `-blocks-storage.tsdb.block-cut-grace-period` (1h), "
          + "past which a range is already cut")
  public Duration outOfOrderTimeWindow = Duration.ZERO;

  @Option(names = {"--ingester.instance-limits.max-heap-used-percent",
      "-ingester.instance-limits.max-heap-used-percent"},
      descriptionKey = "ingester.instance_limits.max_heap_used_percent", defaultValue = "90",
      description = "shard leaders refuse pushes (5xx) while the heap in use after collection is over this percent "
          + "of the maximum heap, so heads that cannot ship or truncate (an object-storage outage) never "
          + "run the process out of memory; 0 turns it off")
  public int maxHeapUsedPercent = 90;

  @Option(names = {"--ingester.raft.write-timeout", "-ingester.raft.write-timeout"},
      descriptionKey = "ingester.raft.write_timeout", defaultValue = "15s", converter = DurationConverter.class,
      description = "how long a write waits for a shard's quorum before it fails with a 5xx")
  public Duration raftWriteTimeout = Duration.ofSeconds(15);

  @Option(names = {"--ingester.client.timeout", "-ingester.client.timeout"},
      descriptionKey = "ingester_client.timeout", defaultValue = "20s", converter = DurationConverter.class,
      description = "deadline of each call to an ingester")
  public Duration ingesterClientTimeout = Duration.ofSeconds(20);

  @Option(names = {"--ingester.client.tls-enabled", "-ingester.client.tls-enabled"},
      descriptionKey = "ingester_client.grpc_client_config.tls_enabled", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "mutual TLS for this process's calls to ingesters (gRPC and Raft: distributor writes, shipper "
          + "entries, leadership transfer) and store-gateways. A process that runs an ingester or "
          + "store-gateway needs the server TLS flags and these together")
  public boolean ingesterClientTlsEnabled = false;

  @Option(names = {"--ingester.client.tls-cert-path", "-ingester.client.tls-cert-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_cert_path", defaultValue = "",
      description = "PEM client certificate")
  public String ingesterClientTlsCertPath = "";

  @Option(names = {"--ingester.client.tls-key-path", "-ingester.client.tls-key-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_key_path", defaultValue = "",
      description = "PKCS#8 PEM private key of that certificate")
  public String ingesterClientTlsKeyPath = "";

  @Option(names = {"--ingester.client.tls-ca-path", "-ingester.client.tls-ca-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_ca_path", defaultValue = "",
      description = "PEM CA that the servers' certificates must chain to; a server certificate must name the host "
          + "or IP of its ring address")
  public String ingesterClientTlsCaPath = "";

  @Option(names = {"--distributor.max-recv-msg-size", "-distributor.max-recv-msg-size"},
      descriptionKey = "distributor.max_recv_msg_size", defaultValue = "104857600",
      description = "largest remote-write body in bytes, compressed or not")
  public int maxRecvMsgSizeBytes = 104_857_600;

  @Option(names = {"--distributor.instance-limits.max-inflight-push-requests",
      "-distributor.instance-limits.max-inflight-push-requests"},
      descriptionKey = "distributor.instance_limits.max_inflight_push_requests", defaultValue = "2000",
      description = "most push requests one distributor handles at once; more get 503 "
          + "`err-narthex-distributor-max-inflight-push-requests`. `0` = unlimited. Mimir's flag and "
          + "default")
  public int maxInflightPushRequests = 2000;

  @Option(names = {"--distributor.instance-limits.max-inflight-push-requests-bytes",
      "-distributor.instance-limits.max-inflight-push-requests-bytes"},
      descriptionKey = "distributor.instance_limits.max_inflight_push_requests_bytes", defaultValue = "-1",
      description = "most bytes of pushes in flight on one distributor, counting each compressed body and its "
          + "uncompressed size; more get 503 `err-narthex-distributor-max-inflight-push-requests-bytes`. "
          + "`0` = unlimited (Mimir's default). Narthex bounds it by default because each counted byte "
          + "costs about two more while a push is split into shard entries and replicated, so a quarter of "
          + "the heap keeps the peak under it with room for the heads: `-1` (the default) means a quarter of `-Xmx`")
  public long maxInflightPushRequestsBytes = -1;

  /** {@link #maxInflightPushRequestsBytes} with -1 resolved to a quarter of the maximum heap. */
  public long maxInflightPushRequestsBytes() {
    return maxInflightPushRequestsBytes == -1 ? Runtime.getRuntime().maxMemory() / 4 : maxInflightPushRequestsBytes;
  }

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
          + "that stopped leaves the count when its range is cut into a block (within block range + grace "
          + "period, 3h by default), as in Mimir; a new series past it gets 400 "
          + "`err-narthex-max-series-per-user`, samples of existing series are still stored. `0` = "
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

  @Option(names = {"--ingester.metadata-retain-period", "-ingester.metadata-retain-period"},
      descriptionKey = "ingester.metadata_retain_period", defaultValue = "10m", converter = DurationConverter.class,
      description = "metric metadata not sent again for this long is forgotten, measured on the distributors' "
          + "clock carried in the log so that every replica forgets alike (a head truncation also forgets what was "
          + "last sent before its time); `0s` never forgets it. One value for the whole cluster")
  public Duration metadataRetainPeriod = Duration.ofMinutes(10);

  @Option(names = {"--querier.timeout", "-querier.timeout"}, descriptionKey = "querier.timeout",
      defaultValue = "2m", converter = DurationConverter.class,
      description = "longest a query may run, counted from its arrival (queueing and parsing included); a request's "
          + "`timeout` parameter can only shorten it; past it the answer is 503 with errorType `timeout`")
  public Duration queryTimeout = Duration.ofMinutes(2);

  @Option(names = {"--querier.max-samples", "-querier.max-samples"}, descriptionKey = "querier.max_samples",
      defaultValue = "50000000",
      description = "most samples a query may hold at once")
  public int maxSamples = 50_000_000;

  @Option(names = {"--querier.max-concurrent", "-querier.max-concurrent"}, descriptionKey = "querier.max_concurrent",
      defaultValue = "20",
      description = "most queries (query, query_range, series, labels, label values) a querier runs at once; the "
          + "others wait until their timeout (the smaller of `querier.timeout` and the request's `timeout` "
          + "parameter), then get 503 with errorType `timeout`; `0` = unlimited")
  public int maxConcurrentQueries = 20;

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

  @Option(names = {"--querier.lookback-delta", "-querier.lookback-delta"},
      descriptionKey = "querier.lookback_delta", defaultValue = "5m", converter = DurationConverter.class,
      description = "how far back an instant selector looks")
  public Duration lookbackDelta = Duration.ofMinutes(5);

  @Option(names = {"--querier.default-evaluation-interval", "-querier.default-evaluation-interval"},
      descriptionKey = "querier.default_evaluation_interval", defaultValue = "1m", converter = DurationConverter.class,
      description = "step of a subquery written without one (`rate(x[5m:])`), as Prometheus's global "
          + "`evaluation_interval`; at least 1ms. Mimir's flag")
  public Duration defaultEvaluationInterval = Duration.ofMinutes(1);

  @Option(names = {"--tenant-federation.enabled", "-tenant-federation.enabled"},
      descriptionKey = "tenant_federation.enabled", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      description = "read requests (query, query_range, series, labels, label values, metadata, query_exemplars, "
          + "federate) may name several tenants separated by `|` in `X-Scope-OrgID`, answered from all of them "
          + "with a `__tenant_id__` label on every series (an existing one is kept as `original___tenant_id__`). "
          + "Writes, delete_series and block upload stay single-tenant. Mimir's flag")
  public boolean tenantFederationEnabled = false;

  @Option(names = {"--tenant-federation.max-tenants", "-tenant-federation.max-tenants"},
      descriptionKey = "tenant_federation.max_tenants", defaultValue = "0",
      description = "most distinct tenants one federated request may name; more gets 400 "
          + "`err-narthex-tenant-federation-max-tenants`; `0` = unlimited (Mimir's default)")
  public int tenantFederationMaxTenants = 0;

  @Option(names = {"--tenant-federation.max-concurrent", "-tenant-federation.max-concurrent"},
      descriptionKey = "tenant_federation.max_concurrent", defaultValue = "16",
      description = "most per-tenant sub-queries of one federated request running at once (Mimir's default)")
  public int tenantFederationMaxConcurrent = 16;

  @Option(names = {"--querier.max-federate-series", "-querier.max-federate-series"},
      descriptionKey = "querier.max_federate_series", defaultValue = "1000000",
      description = "most series one `/federate` request may match over its `match[]` selectors; more gets 400 "
          + "`err-narthex-max-federate-series`; `0` = unlimited. Mimir has no /federate: the default is "
          + "VictoriaMetrics' `-search.maxFederateSeries`")
  public int maxFederateSeries = 1_000_000;

  @Option(names = {"--http.prometheus-http-prefix", "-http.prometheus-http-prefix"},
      descriptionKey = "api.prometheus_http_prefix", defaultValue = "/prometheus",
      description = "path prefix of the Prometheus HTTP API")
  public String prometheusHttpPrefix = "/prometheus";

  @Option(names = {"--query-frontend.max-body-size", "-query-frontend.max-body-size"},
      descriptionKey = "frontend.max_body_size", defaultValue = "10485760",
      description = "largest request body in bytes on every HTTP route except push (bounded by "
          + "`-distributor.max-recv-msg-size`) and block upload files (bounded by the block size limit); "
          + "larger get 413 before the body is buffered. Mimir's flag and default")
  public long maxBodySizeBytes = 10L << 20;

  @Option(names = {"--blocks-storage.tsdb.dir", "-blocks-storage.tsdb.dir"},
      descriptionKey = "blocks_storage.tsdb.dir", defaultValue = "./data/tsdb",
      description = "the ingester's local data directory")
  public String tsdbDir = "./data/tsdb";

  @Option(names = {"--querier.query-ingesters-within", "-querier.query-ingesters-within"},
      descriptionKey = "querier.query_ingesters_within", defaultValue = "0s", converter = DurationConverter.class,
      description = "ask ingesters only for data newer than this; `0` (the default; Mimir's is 13h) asks them for "
          + "any range, since Narthex ingesters accept samples of any age until their range is shipped")
  public Duration queryIngestersWithin = Duration.ZERO;

  @Option(names = {"--querier.query-store-after", "-querier.query-store-after"},
      descriptionKey = "querier.query_store_after", defaultValue = "12h", converter = DurationConverter.class,
      description = "ask store-gateways only for data older than this; `0` asks them for any range; keep it below "
          + "`query-ingesters-within`")
  public Duration queryStoreAfter = Duration.ofHours(12);

  @Option(names = {"--blocks-storage.backend", "-blocks-storage.backend"},
      descriptionKey = "blocks_storage.backend", defaultValue = "filesystem",
      description = "object storage of blocks: `filesystem` or `s3`")
  public String blocksBackend = "filesystem";

  @Option(names = {"--ruler-storage.backend", "-ruler-storage.backend"},
      descriptionKey = "ruler_storage.backend", defaultValue = "bucket",
      description = "where rule groups are kept: `bucket` (Mimir's `filesystem` and `s3` are accepted as synonyms) "
          + "stores one object per group under `rules/` in the blocks bucket, so the rules config API can write; "
          + "`local` reads Prometheus rule files from `-ruler-storage.local.directory` and refuses writes. Narthex has "
          + "one bucket, so `bucket` is the default of a single process as of a cluster")
  public String rulerStorageBackend = "bucket";

  @Option(names = {"--ruler-storage.local.directory", "-ruler-storage.local.directory"},
      descriptionKey = "ruler_storage.local.directory", defaultValue = "",
      description = "with `-ruler-storage.backend=local`: the directory of rule files, `<directory>/<tenant>/*.yaml` "
          + "(and `*.yml`), each file a namespace named after it")
  public String rulerStorageLocalDirectory = "";

  @Option(names = {"--ruler.enable-api", "-ruler.enable-api"},
      descriptionKey = "ruler.enable_api", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "serve the rules config API under `-http.prometheus-http-prefix` (`/config/v1/rules`)")
  public boolean rulerEnableApi = true;

  @Option(names = {"--ruler.max-rules-per-rule-group", "-ruler.max-rules-per-rule-group"},
      descriptionKey = "limits.ruler_max_rules_per_rule_group", defaultValue = "20",
      description = "most rules in one rule group; a group with more gets 400 "
          + "`err-narthex-ruler-max-rules-per-rule-group`; `0` = unlimited")
  public int rulerMaxRulesPerRuleGroup = 20;

  @Option(names = {"--ruler.max-rule-groups-per-tenant", "-ruler.max-rule-groups-per-tenant"},
      descriptionKey = "limits.ruler_max_rule_groups_per_tenant", defaultValue = "70",
      description = "most rule groups of a tenant over all namespaces; a new group past it gets 400 "
          + "`err-narthex-ruler-max-rule-groups-per-tenant`; `0` = unlimited")
  public int rulerMaxRuleGroupsPerTenant = 70;

  @Option(names = {"--blocks-storage.filesystem.dir", "-blocks-storage.filesystem.dir"},
      descriptionKey = "blocks_storage.filesystem.dir", defaultValue = "./data/blocks",
      description = "root directory of the filesystem backend")
  public String blocksFilesystemDir = "./data/blocks";

  @Option(names = {"--blocks-storage.s3.endpoint", "-blocks-storage.s3.endpoint"},
      descriptionKey = "blocks_storage.s3.endpoint", defaultValue = "",
      description = "`host[:port]` or a URL; empty: AWS")
  public String s3Endpoint = "";

  @Option(names = {"--blocks-storage.s3.region", "-blocks-storage.s3.region"},
      descriptionKey = "blocks_storage.s3.region", defaultValue = "",
      description = "region; empty: `us-east-1`")
  public String s3Region = "";

  @Option(names = {"--blocks-storage.s3.bucket-name", "-blocks-storage.s3.bucket-name"},
      descriptionKey = "blocks_storage.s3.bucket_name", defaultValue = "",
      description = "bucket; required with `s3`")
  public String s3BucketName = "";

  @Option(names = {"--blocks-storage.s3.access-key-id", "-blocks-storage.s3.access-key-id"},
      descriptionKey = "blocks_storage.s3.access_key_id", defaultValue = "",
      description = "empty: the AWS default credential chain")
  public String s3AccessKeyId = "";

  @Option(names = {"--blocks-storage.s3.secret-access-key", "-blocks-storage.s3.secret-access-key"},
      descriptionKey = "blocks_storage.s3.secret_access_key", defaultValue = "",
      description = "S3 secret access key; empty: the AWS default credential chain")
  public String s3SecretAccessKey = "";

  @Option(names = {"--blocks-storage.s3.bucket-lookup-type", "-blocks-storage.s3.bucket-lookup-type"},
      descriptionKey = "blocks_storage.s3.bucket_lookup_type", defaultValue = "auto",
      description = "`auto`, `virtual-hosted` or `path` (MinIO and most self-hosted stores need `path`)")
  public String s3BucketLookupType = "auto";

  @Option(names = {"--blocks-storage.s3.insecure", "-blocks-storage.s3.insecure"},
      descriptionKey = "blocks_storage.s3.insecure", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      description = "plain HTTP to an endpoint given without a scheme")
  public boolean s3Insecure;

  @Option(names = {"--blocks-storage.s3.http.insecure-skip-verify", "-blocks-storage.s3.http.insecure-skip-verify"},
      descriptionKey = "blocks_storage.s3.http.insecure_skip_verify", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "accept any TLS certificate (test setups only)")
  public boolean s3InsecureSkipVerify;

  @Option(names = {"--blocks-storage.s3.max-retries", "-blocks-storage.s3.max-retries"},
      descriptionKey = "blocks_storage.s3.max_retries", defaultValue = "10",
      description = "retries of a failed call, with exponential backoff")
  public int s3MaxRetries = 10;

  @Option(names = {"--blocks-storage.tsdb.block-ranges-period", "-blocks-storage.tsdb.block-ranges-period"},
      descriptionKey = "blocks_storage.tsdb.block_ranges_period", defaultValue = "2h",
      converter = DurationConverter.class,
      description = "time range of the blocks ingesters cut (aligned to multiples of it)")
  public Duration blockRangesPeriod = Duration.ofHours(2);

  @Option(names = {"--blocks-storage.tsdb.block-cut-grace-period", "-blocks-storage.tsdb.block-cut-grace-period"},
      descriptionKey = "blocks_storage.tsdb.block_cut_grace_period", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "a range is cut once it ended this long ago, so late in-order samples still make it (Narthex)")
  public Duration blockCutGracePeriod = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.tsdb.retention-period", "-blocks-storage.tsdb.retention-period"},
      descriptionKey = "blocks_storage.tsdb.retention_period", defaultValue = "13h",
      converter = DurationConverter.class,
      description = "how long shipped blocks stay on the ingesters' local disk, served by them, after their upload "
          + "(as Mimir's), so store-gateways and queriers find the block first")
  public Duration tsdbRetentionPeriod = Duration.ofHours(13);

  @Option(names = {"--blocks-storage.tsdb.ship-interval", "-blocks-storage.tsdb.ship-interval"},
      descriptionKey = "blocks_storage.tsdb.ship_interval", defaultValue = "1m", converter = DurationConverter.class,
      description = "how often a shard leader looks for blocks to cut, ship or retry")
  public Duration shipInterval = Duration.ofMinutes(1);

  @Option(names = {"--blocks-storage.bucket-store.sync-dir", "-blocks-storage.bucket-store.sync-dir"},
      descriptionKey = "blocks_storage.bucket_store.sync_dir", defaultValue = "./data/tsdb-sync",
      description = "the store-gateway's local index-headers")
  public String bucketStoreSyncDir = "./data/tsdb-sync";

  @Option(names = {"--blocks-storage.bucket-store.sync-interval", "-blocks-storage.bucket-store.sync-interval"},
      descriptionKey = "blocks_storage.bucket_store.sync_interval", defaultValue = "15m",
      converter = DurationConverter.class,
      description = "how often store-gateways and queriers re-read the tenants' bucket indexes")
  public Duration bucketStoreSyncInterval = Duration.ofMinutes(15);

  @Option(names = {"--blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout",
      "-blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout"},
      descriptionKey = "blocks_storage.bucket_store.index_header.lazy_loading_idle_timeout", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "unload a block's index-header after this long unused")
  public Duration indexHeaderIdleTimeout = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes",
      "-blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes"},
      descriptionKey = "blocks_storage.bucket_store.index_cache.inmemory.max_size_bytes", defaultValue = "1073741824",
      description = "bytes of postings and series a store-gateway caches (half each)")
  public long indexCacheBytes = 1L << 30;

  @Option(names = {"--blocks-storage.bucket-store.chunks-cache.inmemory.max-size-bytes",
      "-blocks-storage.bucket-store.chunks-cache.inmemory.max-size-bytes"},
      descriptionKey = "blocks_storage.bucket_store.chunks_cache.inmemory.max_size_bytes", defaultValue = "536870912",
      description = "bytes of chunks a store-gateway caches")
  public long chunksCacheBytes = 512L << 20;

  @Option(names = {"--blocks-storage.bucket-store.ignore-deletion-marks-delay",
      "-blocks-storage.bucket-store.ignore-deletion-marks-delay"},
      descriptionKey = "blocks_storage.bucket_store.ignore_deletion_marks_delay", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "store-gateways and queriers keep reading a block this long after the compactor marked it for "
          + "deletion, until they have found the block replacing it")
  public Duration ignoreDeletionMarksDelay = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.bucket-store.max-concurrent", "-blocks-storage.bucket-store.max-concurrent"},
      descriptionKey = "blocks_storage.bucket_store.max_concurrent", defaultValue = "100",
      description = "most block reads (one block's select, label names or label values) a store-gateway runs at "
          + "once, over all queries and tenants; a query over more blocks reads them as slots free up")
  public int bucketStoreMaxConcurrent = 100;

  @Option(names = {"--store-gateway.sharding-ring.replication-factor",
      "-store-gateway.sharding-ring.replication-factor"},
      descriptionKey = "store_gateway.sharding_ring.replication_factor", defaultValue = "1",
      description = "store-gateways holding each block (3 in a cluster)")
  public int storeGatewayReplicationFactor = 1;

  @Option(names = {"--store-gateway.sharding-ring.instance-id", "-store-gateway.sharding-ring.instance-id",
      "--store-gateway.instance-id", "-store-gateway.instance-id"},
      descriptionKey = "store_gateway.sharding_ring.instance_id", defaultValue = "",
      description = "this store-gateway's id among `store_gateway.sharding_ring.nodes`; empty: "
          + "`--ingester.ring.instance-id`")
  public String storeGatewayId = "";

  @Option(names = {"--compactor.block-ranges", "-compactor.block-ranges"}, split = ",",
      descriptionKey = "compactor.block_ranges", defaultValue = "2h,12h,24h", converter = DurationConverter.class,
      description = "block ranges to compact into, smallest first; the first is the ingesters' block range")
  public List<Duration> compactorBlockRanges =
      new ArrayList<>(List.of(Duration.ofHours(2), Duration.ofHours(12), Duration.ofHours(24)));

  @Option(names = {"--compactor.compaction-interval", "-compactor.compaction-interval"},
      descriptionKey = "compactor.compaction_interval", defaultValue = "1h", converter = DurationConverter.class,
      description = "how often the compactor runs")
  public Duration compactionInterval = Duration.ofHours(1);

  @Option(names = {"--compactor.deletion-delay", "-compactor.deletion-delay"},
      descriptionKey = "compactor.deletion_delay", defaultValue = "12h", converter = DurationConverter.class,
      description = "blocks marked for deletion are deleted this long after the mark")
  public Duration deletionDelay = Duration.ofHours(12);

  @Option(names = {"--compactor.first-level-compaction-wait-period",
      "-compactor.first-level-compaction-wait-period"},
      descriptionKey = "compactor.first_level_compaction_wait_period", defaultValue = "25m",
      converter = DurationConverter.class,
      description = "blocks uploaded by ingesters are compacted only once this old")
  public Duration firstLevelCompactionWaitPeriod = Duration.ofMinutes(25);

  @Option(names = {"--compactor.partial-block-deletion-delay", "-compactor.partial-block-deletion-delay"},
      descriptionKey = "compactor.partial_block_deletion_delay", defaultValue = "1d",
      converter = DurationConverter.class,
      description = "partial blocks (no meta.json: abandoned block writes, and block uploads never finished) are "
          + "deleted once nothing was written to them for this long; `0` never deletes them, as in Mimir")
  public Duration partialBlockDeletionDelay = Duration.ofDays(1);

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

  @Option(names = {"--compactor.data-dir", "-compactor.data-dir"}, descriptionKey = "compactor.data_dir",
      defaultValue = "./data/compactor",
      description = "the compactor's local scratch directory")
  public String compactorDataDir = "./data/compactor";

  @Option(names = {"--compactor.ring.instance-id", "-compactor.ring.instance-id", "--compactor.instance-id",
      "-compactor.instance-id"}, descriptionKey = "compactor.sharding_ring.instance_id", defaultValue = "",
      description = "this compactor's id among `compactor.sharding_ring.nodes`; empty: "
          + "`--ingester.ring.instance-id`")
  public String compactorId = "";

  @Option(names = {"--compactor.testing.pause-after-upload", "-compactor.testing.pause-after-upload"},
      defaultValue = "0s", converter = DurationConverter.class, hidden = true,
      description = "testing only (hidden): pause between uploading a compacted block and marking its sources "
          + "deleted, for crash tests")
  public Duration compactorPauseAfterUpload = Duration.ZERO;

  @Option(names = {"--runtime-config.file", "-runtime-config.file"}, descriptionKey = "runtime_config.file",
      defaultValue = "",
      description = "YAML of per-tenant overrides, Mimir's shape (`overrides: {<tenant>: "
          + "{compactor_blocks_retention_period: 30d}}`), reread while running; a file that does not parse "
          + "keeps the last good one")
  public String runtimeConfigFile = "";

  @Option(names = {"--runtime-config.reload-period", "-runtime-config.reload-period"},
      descriptionKey = "runtime_config.period", defaultValue = "10s", converter = DurationConverter.class,
      description = "how often the runtime config file is reread")
  public Duration runtimeConfigReloadPeriod = Duration.ofSeconds(10);

  @Option(names = {"--log.level", "-log.level"}, descriptionKey = "server.log_level", defaultValue = "info",
      description = "`debug`, `info`, `warn` or `error`")
  public String logLevel = "info";

  /**
   * Parses flags the way {@code bin/narthex} does, reading {@code --config.file} when given.
   *
   * @throws CommandLine.ParameterException on an unknown flag, a bad value or an unreadable config file
   */
  public static NarthexOptions parse(String... args) {
    NarthexOptions options = new NarthexOptions();
    CommandLine commandLine = commandLine(options, args);
    commandLine.parseArgs(args);
    return options;
  }

  static CommandLine commandLine(NarthexOptions options, String[] args) {
    CommandLine commandLine = new CommandLine(options);
    YamlDefaults defaults = new YamlDefaults(YamlDefaults.configFileOf(args), commandLine);
    options.config = defaults.config();
    commandLine.setDefaultValueProvider(defaults);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    return commandLine;
  }

  /** The YAML paths of every option. */
  static Set<String> yamlKeys() {
    return YamlDefaults.yamlKeys(new CommandLine(new NarthexOptions()));
  }

  /** Flags renamed to Mimir's names, still accepted, with the name that replaced them. */
  static final java.util.Map<String, String> DEPRECATED_FLAGS = java.util.Map.of(
      "ingester.node-id", "-ingester.ring.instance-id",
      "ingester.replication-factor", "-ingester.ring.replication-factor",
      "store-gateway.instance-id", "-store-gateway.sharding-ring.instance-id",
      "compactor.instance-id", "-compactor.ring.instance-id");

  /** A warning for each deprecated flag name in {@code args}. */
  static List<String> deprecationWarnings(String... args) {
    List<String> out = new ArrayList<>();
    for (String arg : args) {
      String name = arg.replaceFirst("^--?", "").replaceFirst("=.*$", "");
      String replacement = arg.startsWith("-") ? DEPRECATED_FLAGS.get(name) : null;
      if (replacement != null) {
        out.add("flag -" + name + " is deprecated and will be removed, use " + replacement);
      }
    }
    return out;
  }

  /** The targets, with {@code all} expanded. */
  public Set<Target> components() {
    EnumSet<Target> out = EnumSet.noneOf(Target.class);
    for (Target target : targets) {
      if (target == Target.ALL) {
        out.addAll(EnumSet.of(Target.DISTRIBUTOR, Target.INGESTER, Target.QUERIER, Target.STORE_GATEWAY,
            Target.COMPACTOR, Target.RULER));
      } else {
        out.add(target);
      }
    }
    return out;
  }

  /** Accepts target names in any case. */
  static final class TargetConverter implements CommandLine.ITypeConverter<Target> {
    @Override
    public Target convert(String value) {
      try {
        return Target.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "unknown target '" + value + "': expected all, distributor, ingester, querier, store-gateway, compactor "
                + "or ruler");
      }
    }
  }

  /** Prometheus durations such as {@code 90s}, {@code 1h30m} or {@code 500ms}. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Duration.ofMillis(io.narthex.promql.parser.Durations.parseMs(value));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "invalid duration '" + value + "': expected a Prometheus duration such as 30s, 5m or 1h30m");
      }
    }
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"narthex " + Version.VERSION};
    }
  }
}
