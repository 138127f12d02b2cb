package io.narthex.app;

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
    sortOptions = false)
public final class NarthexOptions {
  /** The components a process can run. */
  public enum Target {
    ALL,
    DISTRIBUTOR,
    INGESTER,
    QUERIER,
    STORE_GATEWAY,
    COMPACTOR
  }

  @Option(names = {"--config.file", "-config.file"}, paramLabel = "<file>",
      description = "YAML configuration file; its keys mirror Mimir's. Flags override it.")
  String configFile;

  /** {@link #configFile} as read and checked; null without one. */
  ConfigFile config;

  @Option(names = {"--target", "-target"}, descriptionKey = "target", split = ",", defaultValue = "all",
      converter = TargetConverter.class,
      description = "Comma-separated components to run: all, distributor, ingester, querier, store-gateway,"
          + " compactor."
          + " Default: ${DEFAULT-VALUE}.")
  List<Target> targets = new ArrayList<>(List.of(Target.ALL));

  @Option(names = {"--server.http-listen-address", "-server.http-listen-address"},
      descriptionKey = "server.http_listen_address", defaultValue = "",
      description = "HTTP listen address; empty for all interfaces.")
  public String httpListenAddress = "";

  @Option(names = {"--server.http-listen-port", "-server.http-listen-port"},
      descriptionKey = "server.http_listen_port", defaultValue = "9009",
      description = "HTTP listen port; 0 picks a free port. Default: ${DEFAULT-VALUE}.")
  public int httpListenPort = 9009;

  @Option(names = {"--server.grpc-listen-port", "-server.grpc-listen-port"},
      descriptionKey = "server.grpc_listen_port", defaultValue = "9095",
      description = "gRPC listen port for the ingester; 0 picks a free port. Default: ${DEFAULT-VALUE}.")
  public int grpcListenPort = 9095;

  @Option(names = {"--server.grpc-listen-address", "-server.grpc-listen-address"},
      descriptionKey = "server.grpc_listen_address", defaultValue = "",
      description = "gRPC listen address. Empty: this node's host in the ring when it is a loopback address (as"
          + " in single-process mode), else -server.http-listen-address, else all interfaces.")
  public String grpcListenAddress = "";

  @Option(names = {"--server.grpc-tls-cert-path", "-server.grpc-tls-cert-path"},
      descriptionKey = "server.grpc_tls_config.cert_file", defaultValue = "",
      description = "PEM certificate of the gRPC and Raft servers. With -server.grpc-tls-key-path and"
          + " -server.grpc-tls-ca-path it turns on mutual TLS on both ports. Empty: plaintext.")
  public String grpcTlsCertPath = "";

  @Option(names = {"--server.grpc-tls-key-path", "-server.grpc-tls-key-path"},
      descriptionKey = "server.grpc_tls_config.key_file", defaultValue = "",
      description = "PKCS#8 PEM private key of -server.grpc-tls-cert-path.")
  public String grpcTlsKeyPath = "";

  @Option(names = {"--server.grpc-tls-ca-path", "-server.grpc-tls-ca-path"},
      descriptionKey = "server.grpc_tls_config.client_ca_file", defaultValue = "",
      description = "PEM CA certificates that a client's certificate must chain to: a gRPC or Raft client without"
          + " one is refused (Mimir's RequireAndVerifyClientCert). Replicas also verify each other with it.")
  public String grpcTlsCaPath = "";

  @Option(names = {"--server.admin-routes-enabled", "-server.admin-routes-enabled"},
      descriptionKey = "server.admin_routes_enabled", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "Serve the operator routes: /ingester/flush, /ingester/shards, /compactor/delete_tenant(_status)"
          + " and the Prometheus admin API's delete_series. Turn off where tenants reach the HTTP port without an"
          + " authenticating proxy that keeps these paths to operators. Default: ${DEFAULT-VALUE}.")
  public boolean adminRoutesEnabled = true;

  @Option(names = {"--auth.multitenancy-enabled", "-auth.multitenancy-enabled"},
      descriptionKey = "multitenancy_enabled", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "Require X-Scope-OrgID on every request. When false, every request uses tenant 'anonymous'."
          + " Default: ${DEFAULT-VALUE}.")
  public boolean multitenancyEnabled = true;

  @Option(names = {"--ingester.ring.instance-id", "-ingester.ring.instance-id", "--ingester.node-id",
      "-ingester.node-id"}, descriptionKey = "ingester.ring.instance_id", defaultValue = "ingester-1",
      description = "This ingester's id in the ring (ingester.ring.nodes); -ingester.node-id is a deprecated alias."
          + " Default: ${DEFAULT-VALUE}.")
  public String nodeId = "ingester-1";

  @Option(names = {"--ingester.raft-listen-port", "-ingester.raft-listen-port"},
      descriptionKey = "ingester.raft_listen_port", defaultValue = "9096",
      description = "Raft port of the ingester; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  public int raftListenPort = 9096;

  @Option(names = {"--ingester.raft-listen-address", "-ingester.raft-listen-address"},
      descriptionKey = "ingester.raft_listen_address", defaultValue = "",
      description = "Raft listen address. Empty: this node's Raft host in the ring when it is a loopback address"
          + " (as in single-process mode), else -server.http-listen-address, else all interfaces.")
  public String raftListenAddress = "";

  @Option(names = {"--ingester.ring.replication-factor", "-ingester.ring.replication-factor",
      "--ingester.replication-factor", "-ingester.replication-factor"},
      descriptionKey = "ingester.ring.replication_factor", defaultValue = "1",
      description = "Replicas per shard when shards are placed round-robin over ingester.ring.nodes."
          + " Default: ${DEFAULT-VALUE} (3 in a cluster).")
  public int replicationFactor = 1;

  @Option(names = {"--ingester.raft.election-timeout", "-ingester.raft.election-timeout"},
      descriptionKey = "ingester.raft.election_timeout", defaultValue = "1s", converter = DurationConverter.class,
      description = "Shortest time without a leader before a replica stands for election; the longest is twice it."
          + " Default: ${DEFAULT-VALUE}.")
  public Duration electionTimeout = Duration.ofSeconds(1);

  @Option(names = {"--ingester.raft.snapshot-entries", "-ingester.raft.snapshot-entries"},
      descriptionKey = "ingester.raft.snapshot_entries", defaultValue = "20000",
      description = "Snapshot a shard after this many log entries, then purge the log. Default: ${DEFAULT-VALUE}.")
  public long snapshotEntries = 20_000;

  @Option(names = {"--ingester.out-of-order-time-window", "-ingester.out-of-order-time-window"},
      descriptionKey = "limits.out_of_order_time_window", defaultValue = "0s", converter = DurationConverter.class,
      description = "How far behind a tenant's newest sample a sample older than its series' newest is still stored"
          + " (Mimir's out-of-order ingestion); 0s refuses them as out of order. Must be the same on every ingester,"
          + " and not over -blocks-storage.tsdb.block-cut-grace-period, past which a range is already cut."
          + " Default: ${DEFAULT-VALUE}.")
  public Duration outOfOrderTimeWindow = Duration.ZERO;

  @Option(names = {"--ingester.instance-limits.max-heap-used-percent",
      "-ingester.instance-limits.max-heap-used-percent"},
      descriptionKey = "ingester.instance_limits.max_heap_used_percent", defaultValue = "90",
      description = "Shard leaders refuse pushes (5xx) while the heap in use after collection is over this percent"
          + " of the maximum heap, so that heads that cannot ship or truncate never run the process out of memory;"
          + " 0 turns it off. Default: ${DEFAULT-VALUE}.")
  public int maxHeapUsedPercent = 90;

  @Option(names = {"--ingester.raft.write-timeout", "-ingester.raft.write-timeout"},
      descriptionKey = "ingester.raft.write_timeout", defaultValue = "15s", converter = DurationConverter.class,
      description = "How long a write waits for a shard's quorum before it fails with a 5xx."
          + " Default: ${DEFAULT-VALUE}.")
  public Duration raftWriteTimeout = Duration.ofSeconds(15);

  @Option(names = {"--ingester.client.timeout", "-ingester.client.timeout"},
      descriptionKey = "ingester_client.timeout", defaultValue = "20s", converter = DurationConverter.class,
      description = "Deadline of each call to an ingester. Default: ${DEFAULT-VALUE}.")
  public Duration ingesterClientTimeout = Duration.ofSeconds(20);

  @Option(names = {"--ingester.client.tls-enabled", "-ingester.client.tls-enabled"},
      descriptionKey = "ingester_client.grpc_client_config.tls_enabled", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "Mutual TLS for this process's calls to ingesters (gRPC and Raft) and store-gateways, with the"
          + " -ingester.client.tls-*-path files. Default: ${DEFAULT-VALUE}.")
  public boolean ingesterClientTlsEnabled = false;

  @Option(names = {"--ingester.client.tls-cert-path", "-ingester.client.tls-cert-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_cert_path", defaultValue = "",
      description = "PEM client certificate presented to the gRPC and Raft servers.")
  public String ingesterClientTlsCertPath = "";

  @Option(names = {"--ingester.client.tls-key-path", "-ingester.client.tls-key-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_key_path", defaultValue = "",
      description = "PKCS#8 PEM private key of -ingester.client.tls-cert-path.")
  public String ingesterClientTlsKeyPath = "";

  @Option(names = {"--ingester.client.tls-ca-path", "-ingester.client.tls-ca-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_ca_path", defaultValue = "",
      description = "PEM CA certificates that the servers' certificates must chain to.")
  public String ingesterClientTlsCaPath = "";

  @Option(names = {"--distributor.max-recv-msg-size", "-distributor.max-recv-msg-size"},
      descriptionKey = "distributor.max_recv_msg_size", defaultValue = "104857600",
      description = "Largest remote-write request, in bytes, compressed or not. Default: ${DEFAULT-VALUE}.")
  public int maxRecvMsgSizeBytes = 104_857_600;

  @Option(names = {"--distributor.instance-limits.max-inflight-push-requests",
      "-distributor.instance-limits.max-inflight-push-requests"},
      descriptionKey = "distributor.instance_limits.max_inflight_push_requests", defaultValue = "2000",
      description = "Most push requests this distributor handles at once; more get 503. 0 = unlimited."
          + " Default: ${DEFAULT-VALUE}.")
  public int maxInflightPushRequests = 2000;

  @Option(names = {"--distributor.instance-limits.max-inflight-push-requests-bytes",
      "-distributor.instance-limits.max-inflight-push-requests-bytes"},
      descriptionKey = "distributor.instance_limits.max_inflight_push_requests_bytes", defaultValue = "-1",
      description = "Most bytes of push requests (compressed body plus uncompressed size) in flight on this"
          + " distributor; more get 503. 0 = unlimited; -1 (default) = a quarter of the JVM's maximum heap.")
  public long maxInflightPushRequestsBytes = -1;

  /** {@link #maxInflightPushRequestsBytes} with -1 resolved to a quarter of the maximum heap. */
  public long maxInflightPushRequestsBytes() {
    return maxInflightPushRequestsBytes == -1 ? Runtime.getRuntime().maxMemory() / 4 : maxInflightPushRequestsBytes;
  }

  @Option(names = {"--validation.max-length-label-name", "-validation.max-length-label-name"},
      descriptionKey = "limits.max_label_name_length", defaultValue = "1024",
      description = "Longest label name accepted. Default: ${DEFAULT-VALUE}.")
  public int maxLabelNameLength = 1024;

  @Option(names = {"--validation.max-length-label-value", "-validation.max-length-label-value"},
      descriptionKey = "limits.max_label_value_length", defaultValue = "2048",
      description = "Longest label value accepted. Default: ${DEFAULT-VALUE}.")
  public int maxLabelValueLength = 2048;

  @Option(names = {"--validation.max-label-names-per-series", "-validation.max-label-names-per-series"},
      descriptionKey = "limits.max_label_names_per_series", defaultValue = "30",
      description = "Most labels per series. Default: ${DEFAULT-VALUE}.")
  public int maxLabelNamesPerSeries = 30;

  @Option(names = {"--validation.create-grace-period", "-validation.create-grace-period"},
      descriptionKey = "limits.creation_grace_period", defaultValue = "10m", converter = DurationConverter.class,
      description = "How far in the future a sample's timestamp may be. Default: ${DEFAULT-VALUE}.")
  public Duration createGracePeriod = Duration.ofMinutes(10);

  @Option(names = {"--distributor.ingestion-rate-limit", "-distributor.ingestion-rate-limit"},
      descriptionKey = "limits.ingestion_rate", defaultValue = "10000",
      description = "Samples per second a tenant may send to one distributor; more get 429. Per-tenant overrides:"
          + " --runtime-config.file. Default: ${DEFAULT-VALUE}.")
  public double ingestionRate = 10_000;

  @Option(names = {"--distributor.ingestion-burst-size", "-distributor.ingestion-burst-size"},
      descriptionKey = "limits.ingestion_burst_size", defaultValue = "200000",
      description = "Samples a tenant may send at once above the rate; also the largest request's samples."
          + " Per-tenant overrides: --runtime-config.file. Default: ${DEFAULT-VALUE}.")
  public int ingestionBurstSize = 200_000;

  @Option(names = {"--ingester.max-global-series-per-user", "-ingester.max-global-series-per-user"},
      descriptionKey = "limits.max_global_series_per_user", defaultValue = "150000",
      description = "Most in-memory series of a tenant, counted over every shard; 0 = unlimited. Per-tenant"
          + " overrides: --runtime-config.file. Default: ${DEFAULT-VALUE}.")
  public int maxGlobalSeriesPerUser = 150_000;

  @Option(names = {"--ingester.max-global-series-per-metric", "-ingester.max-global-series-per-metric"},
      descriptionKey = "limits.max_global_series_per_metric", defaultValue = "0",
      description = "Most in-memory series of one metric name of a tenant, counted over every shard; 0 = unlimited."
          + " Per-tenant overrides: --runtime-config.file. Default: ${DEFAULT-VALUE}.")
  public int maxGlobalSeriesPerMetric = 0;

  @Option(names = {"--querier.timeout", "-querier.timeout"}, descriptionKey = "querier.timeout",
      defaultValue = "2m", converter = DurationConverter.class,
      description = "Longest a query may run. Default: ${DEFAULT-VALUE}.")
  public Duration queryTimeout = Duration.ofMinutes(2);

  @Option(names = {"--querier.max-samples", "-querier.max-samples"}, descriptionKey = "querier.max_samples",
      defaultValue = "50000000",
      description = "Most samples a query may hold in memory at once. Default: ${DEFAULT-VALUE}.")
  public int maxSamples = 50_000_000;

  @Option(names = {"--querier.max-concurrent", "-querier.max-concurrent"}, descriptionKey = "querier.max_concurrent",
      defaultValue = "20",
      description = "Most queries (query, query_range, series, labels, label values) this querier runs at once;"
          + " more wait until their timeout, then get 503. 0 = unlimited. Default: ${DEFAULT-VALUE}.")
  public int maxConcurrentQueries = 20;

  @Option(names = {"--querier.max-fetched-series-per-query", "-querier.max-fetched-series-per-query"},
      descriptionKey = "limits.max_fetched_series_per_query", defaultValue = "0",
      description = "Most distinct series one query may fetch from ingesters and store-gateways; more is a 422."
          + " 0 = unlimited. Default: ${DEFAULT-VALUE}.")
  public long maxFetchedSeriesPerQuery = 0;

  @Option(names = {"--querier.max-fetched-chunks-per-query", "-querier.max-fetched-chunks-per-query"},
      descriptionKey = "limits.max_fetched_chunks_per_query", defaultValue = "2000000",
      description = "Most chunks one query may fetch; more is a 422. 0 = unlimited. Default: ${DEFAULT-VALUE}"
          + " (Mimir's).")
  public long maxFetchedChunksPerQuery = 2_000_000;

  @Option(names = {"--querier.max-fetched-chunk-bytes-per-query", "-querier.max-fetched-chunk-bytes-per-query"},
      descriptionKey = "limits.max_fetched_chunk_bytes_per_query", defaultValue = "0",
      description = "Most encoded chunk bytes one query may fetch; more is a 422. 0 = unlimited."
          + " Default: ${DEFAULT-VALUE}.")
  public long maxFetchedChunkBytesPerQuery = 0;

  @Option(names = {"--query-frontend.max-query-expression-size-bytes",
      "-query-frontend.max-query-expression-size-bytes"},
      descriptionKey = "limits.max_query_expression_size_bytes", defaultValue = "131072",
      description = "Longest query parameter of query and query_range, in bytes; longer is a 400 before it is parsed."
          + " 0 = unlimited (Mimir's default). Per-tenant overrides: --runtime-config.file. Default: ${DEFAULT-VALUE}.")
  public int maxQueryExpressionSizeBytes = 128 << 10;

  @Option(names = {"--querier.lookback-delta", "-querier.lookback-delta"},
      descriptionKey = "querier.lookback_delta", defaultValue = "5m", converter = DurationConverter.class,
      description = "How far back an instant selector looks for a sample. Default: ${DEFAULT-VALUE}.")
  public Duration lookbackDelta = Duration.ofMinutes(5);

  @Option(names = {"--http.prometheus-http-prefix", "-http.prometheus-http-prefix"},
      descriptionKey = "api.prometheus_http_prefix", defaultValue = "/prometheus",
      description = "Path prefix of the Prometheus HTTP API. Default: ${DEFAULT-VALUE}.")
  public String prometheusHttpPrefix = "/prometheus";

  @Option(names = {"--query-frontend.max-body-size", "-query-frontend.max-body-size"},
      descriptionKey = "frontend.max_body_size", defaultValue = "10485760",
      description = "Largest request body, in bytes, of every HTTP route but push (-distributor.max-recv-msg-size)"
          + " and block upload; larger get 413. Default: ${DEFAULT-VALUE}.")
  public long maxBodySizeBytes = 10L << 20;

  @Option(names = {"--blocks-storage.tsdb.dir", "-blocks-storage.tsdb.dir"},
      descriptionKey = "blocks_storage.tsdb.dir", defaultValue = "./data/tsdb",
      description = "Local directory of the ingester's data. Default: ${DEFAULT-VALUE}.")
  public String tsdbDir = "./data/tsdb";

  @Option(names = {"--querier.query-ingesters-within", "-querier.query-ingesters-within"},
      descriptionKey = "querier.query_ingesters_within", defaultValue = "0s", converter = DurationConverter.class,
      description = "Ask ingesters only for data newer than this; 0 (the default, unlike Mimir's 13h) asks them for"
          + " any range, since Narthex ingesters accept samples of any age until their range is shipped."
          + " Default: ${DEFAULT-VALUE}.")
  public Duration queryIngestersWithin = Duration.ZERO;

  @Option(names = {"--querier.query-store-after", "-querier.query-store-after"},
      descriptionKey = "querier.query_store_after", defaultValue = "12h", converter = DurationConverter.class,
      description = "Ask store-gateways only for data older than this; 0 asks them for any range. Keep it below"
          + " -querier.query-ingesters-within so that the two overlap. Default: ${DEFAULT-VALUE}.")
  public Duration queryStoreAfter = Duration.ofHours(12);

  @Option(names = {"--blocks-storage.backend", "-blocks-storage.backend"},
      descriptionKey = "blocks_storage.backend", defaultValue = "filesystem",
      description = "Object storage for blocks: filesystem or s3. Default: ${DEFAULT-VALUE}.")
  public String blocksBackend = "filesystem";

  @Option(names = {"--blocks-storage.filesystem.dir", "-blocks-storage.filesystem.dir"},
      descriptionKey = "blocks_storage.filesystem.dir", defaultValue = "./data/blocks",
      description = "Root directory of the filesystem backend. Default: ${DEFAULT-VALUE}.")
  public String blocksFilesystemDir = "./data/blocks";

  @Option(names = {"--blocks-storage.s3.endpoint", "-blocks-storage.s3.endpoint"},
      descriptionKey = "blocks_storage.s3.endpoint", defaultValue = "",
      description = "S3 endpoint, host[:port] or a URL; empty for AWS's regional endpoint.")
  public String s3Endpoint = "";

  @Option(names = {"--blocks-storage.s3.region", "-blocks-storage.s3.region"},
      descriptionKey = "blocks_storage.s3.region", defaultValue = "",
      description = "S3 region; empty means us-east-1.")
  public String s3Region = "";

  @Option(names = {"--blocks-storage.s3.bucket-name", "-blocks-storage.s3.bucket-name"},
      descriptionKey = "blocks_storage.s3.bucket_name", defaultValue = "",
      description = "S3 bucket name; required with the s3 backend.")
  public String s3BucketName = "";

  @Option(names = {"--blocks-storage.s3.access-key-id", "-blocks-storage.s3.access-key-id"},
      descriptionKey = "blocks_storage.s3.access_key_id", defaultValue = "",
      description = "S3 access key id; empty uses the AWS default credential chain.")
  public String s3AccessKeyId = "";

  @Option(names = {"--blocks-storage.s3.secret-access-key", "-blocks-storage.s3.secret-access-key"},
      descriptionKey = "blocks_storage.s3.secret_access_key", defaultValue = "",
      description = "S3 secret access key.")
  public String s3SecretAccessKey = "";

  @Option(names = {"--blocks-storage.s3.bucket-lookup-type", "-blocks-storage.s3.bucket-lookup-type"},
      descriptionKey = "blocks_storage.s3.bucket_lookup_type", defaultValue = "auto",
      description = "auto, virtual-hosted or path; MinIO and most self-hosted stores need path."
          + " Default: ${DEFAULT-VALUE}.")
  public String s3BucketLookupType = "auto";

  @Option(names = {"--blocks-storage.s3.insecure", "-blocks-storage.s3.insecure"},
      descriptionKey = "blocks_storage.s3.insecure", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      description = "Plain HTTP to an endpoint given without a scheme. Default: ${DEFAULT-VALUE}.")
  public boolean s3Insecure;

  @Option(names = {"--blocks-storage.s3.http.insecure-skip-verify", "-blocks-storage.s3.http.insecure-skip-verify"},
      descriptionKey = "blocks_storage.s3.http.insecure_skip_verify", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "Accept any TLS certificate (test setups only). Default: ${DEFAULT-VALUE}.")
  public boolean s3InsecureSkipVerify;

  @Option(names = {"--blocks-storage.s3.max-retries", "-blocks-storage.s3.max-retries"},
      descriptionKey = "blocks_storage.s3.max_retries", defaultValue = "10",
      description = "Retries of a failed S3 call, with backoff. Default: ${DEFAULT-VALUE}.")
  public int s3MaxRetries = 10;

  @Option(names = {"--blocks-storage.tsdb.block-ranges-period", "-blocks-storage.tsdb.block-ranges-period"},
      descriptionKey = "blocks_storage.tsdb.block_ranges_period", defaultValue = "2h",
      converter = DurationConverter.class,
      description = "Time range of the blocks ingesters cut. Default: ${DEFAULT-VALUE}.")
  public Duration blockRangesPeriod = Duration.ofHours(2);

  @Option(names = {"--blocks-storage.tsdb.block-cut-grace-period", "-blocks-storage.tsdb.block-cut-grace-period"},
      descriptionKey = "blocks_storage.tsdb.block_cut_grace_period", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "A block range is cut once it ended this long ago (Narthex; Prometheus waits half a range)."
          + " Default: ${DEFAULT-VALUE}.")
  public Duration blockCutGracePeriod = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.tsdb.retention-period", "-blocks-storage.tsdb.retention-period"},
      descriptionKey = "blocks_storage.tsdb.retention_period", defaultValue = "13h",
      converter = DurationConverter.class,
      description = "How long shipped data stays in the ingesters' heads. Default: ${DEFAULT-VALUE}.")
  public Duration tsdbRetentionPeriod = Duration.ofHours(13);

  @Option(names = {"--blocks-storage.tsdb.ship-interval", "-blocks-storage.tsdb.ship-interval"},
      descriptionKey = "blocks_storage.tsdb.ship_interval", defaultValue = "1m", converter = DurationConverter.class,
      description = "How often a shard leader checks for blocks to cut and ship. Default: ${DEFAULT-VALUE}.")
  public Duration shipInterval = Duration.ofMinutes(1);

  @Option(names = {"--blocks-storage.bucket-store.sync-dir", "-blocks-storage.bucket-store.sync-dir"},
      descriptionKey = "blocks_storage.bucket_store.sync_dir", defaultValue = "./data/tsdb-sync",
      description = "Local directory of the store-gateway's index-headers. Default: ${DEFAULT-VALUE}.")
  public String bucketStoreSyncDir = "./data/tsdb-sync";

  @Option(names = {"--blocks-storage.bucket-store.sync-interval", "-blocks-storage.bucket-store.sync-interval"},
      descriptionKey = "blocks_storage.bucket_store.sync_interval", defaultValue = "15m",
      converter = DurationConverter.class,
      description = "How often store-gateways and queriers re-read the bucket index. Default: ${DEFAULT-VALUE}.")
  public Duration bucketStoreSyncInterval = Duration.ofMinutes(15);

  @Option(names = {"--blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout",
      "-blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout"},
      descriptionKey = "blocks_storage.bucket_store.index_header.lazy_loading_idle_timeout", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "Unload a block's index-header after this long unused. Default: ${DEFAULT-VALUE}.")
  public Duration indexHeaderIdleTimeout = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes",
      "-blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes"},
      descriptionKey = "blocks_storage.bucket_store.index_cache.inmemory.max_size_bytes", defaultValue = "1073741824",
      description = "Bytes of postings and series cached by a store-gateway. Default: ${DEFAULT-VALUE}.")
  public long indexCacheBytes = 1L << 30;

  @Option(names = {"--blocks-storage.bucket-store.chunks-cache.inmemory.max-size-bytes",
      "-blocks-storage.bucket-store.chunks-cache.inmemory.max-size-bytes"},
      descriptionKey = "blocks_storage.bucket_store.chunks_cache.inmemory.max_size_bytes", defaultValue = "536870912",
      description = "Bytes of chunks cached by a store-gateway. Default: ${DEFAULT-VALUE}.")
  public long chunksCacheBytes = 512L << 20;

  @Option(names = {"--blocks-storage.bucket-store.ignore-deletion-marks-delay",
      "-blocks-storage.bucket-store.ignore-deletion-marks-delay"},
      descriptionKey = "blocks_storage.bucket_store.ignore_deletion_marks_delay", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "Store-gateways and queriers keep reading a block this long after the compactor marked it for"
          + " deletion, until they have found the block replacing it. Default: ${DEFAULT-VALUE}.")
  public Duration ignoreDeletionMarksDelay = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.bucket-store.max-concurrent", "-blocks-storage.bucket-store.max-concurrent"},
      descriptionKey = "blocks_storage.bucket_store.max_concurrent", defaultValue = "100",
      description = "Most block reads a store-gateway runs at once, over all queries and tenants."
          + " Default: ${DEFAULT-VALUE}.")
  public int bucketStoreMaxConcurrent = 100;

  @Option(names = {"--store-gateway.sharding-ring.replication-factor",
      "-store-gateway.sharding-ring.replication-factor"},
      descriptionKey = "store_gateway.sharding_ring.replication_factor", defaultValue = "1",
      description = "Store-gateways holding each block (store_gateway.sharding_ring.nodes lists them)."
          + " Default: ${DEFAULT-VALUE} (3 in a cluster).")
  public int storeGatewayReplicationFactor = 1;

  @Option(names = {"--store-gateway.sharding-ring.instance-id", "-store-gateway.sharding-ring.instance-id",
      "--store-gateway.instance-id", "-store-gateway.instance-id"},
      descriptionKey = "store_gateway.sharding_ring.instance_id", defaultValue = "",
      description = "This store-gateway's id in the ring; empty means -ingester.ring.instance-id."
          + " -store-gateway.instance-id is a deprecated alias.")
  public String storeGatewayId = "";

  @Option(names = {"--compactor.block-ranges", "-compactor.block-ranges"}, split = ",",
      descriptionKey = "compactor.block_ranges", defaultValue = "2h,12h,24h", converter = DurationConverter.class,
      description = "Block ranges to compact into, smallest first; the first is the ingesters' block range."
          + " Default: ${DEFAULT-VALUE}.")
  public List<Duration> compactorBlockRanges =
      new ArrayList<>(List.of(Duration.ofHours(2), Duration.ofHours(12), Duration.ofHours(24)));

  @Option(names = {"--compactor.compaction-interval", "-compactor.compaction-interval"},
      descriptionKey = "compactor.compaction_interval", defaultValue = "1h", converter = DurationConverter.class,
      description = "How often the compactor runs. Default: ${DEFAULT-VALUE}.")
  public Duration compactionInterval = Duration.ofHours(1);

  @Option(names = {"--compactor.deletion-delay", "-compactor.deletion-delay"},
      descriptionKey = "compactor.deletion_delay", defaultValue = "12h", converter = DurationConverter.class,
      description = "Blocks marked for deletion are deleted this long after the mark. Default: ${DEFAULT-VALUE}.")
  public Duration deletionDelay = Duration.ofHours(12);

  @Option(names = {"--compactor.first-level-compaction-wait-period",
      "-compactor.first-level-compaction-wait-period"},
      descriptionKey = "compactor.first_level_compaction_wait_period", defaultValue = "25m",
      converter = DurationConverter.class,
      description = "Blocks uploaded by ingesters are compacted only once this old. Default: ${DEFAULT-VALUE}.")
  public Duration firstLevelCompactionWaitPeriod = Duration.ofMinutes(25);

  @Option(names = {"--compactor.partial-block-deletion-delay", "-compactor.partial-block-deletion-delay"},
      descriptionKey = "compactor.partial_block_deletion_delay", defaultValue = "1d",
      converter = DurationConverter.class,
      description = "Partial blocks (no meta.json: abandoned block writes and block uploads never finished) are"
          + " deleted once nothing was written to them for this long; 0 never deletes them. Default: ${DEFAULT-VALUE}.")
  public Duration partialBlockDeletionDelay = Duration.ofDays(1);

  @Option(names = {"--compactor.block-upload-enabled", "-compactor.block-upload-enabled"},
      descriptionKey = "limits.compactor_block_upload_enabled", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "Let tenants upload blocks through /api/v1/upload/block/ (backfill). Per-tenant overrides:"
          + " --runtime-config.file. Default: ${DEFAULT-VALUE}.")
  public boolean blockUploadEnabled;

  @Option(names = {"--compactor.block-upload-max-block-size-bytes", "-compactor.block-upload-max-block-size-bytes"},
      descriptionKey = "limits.compactor_block_upload_max_block_size_bytes", defaultValue = "10737418240",
      description = "Largest block a tenant may upload, all files summed; 0 for no limit. Per-tenant overrides:"
          + " --runtime-config.file. Default: ${DEFAULT-VALUE}.")
  public long blockUploadMaxBlockSizeBytes = 10L << 30;

  @Option(names = {"--compactor.blocks-retention-period", "-compactor.blocks-retention-period"},
      descriptionKey = "limits.compactor_blocks_retention_period", defaultValue = "0s",
      converter = DurationConverter.class,
      description = "Delete blocks whose data is all older than this; 0 keeps them forever. Per-tenant overrides:"
          + " --runtime-config.file. Default: ${DEFAULT-VALUE}.")
  public Duration blocksRetentionPeriod = Duration.ZERO;

  @Option(names = {"--compactor.data-dir", "-compactor.data-dir"}, descriptionKey = "compactor.data_dir",
      defaultValue = "./data/compactor",
      description = "Local scratch directory of the compactor. Default: ${DEFAULT-VALUE}.")
  public String compactorDataDir = "./data/compactor";

  @Option(names = {"--compactor.ring.instance-id", "-compactor.ring.instance-id", "--compactor.instance-id",
      "-compactor.instance-id"}, descriptionKey = "compactor.sharding_ring.instance_id", defaultValue = "",
      description = "This compactor's id among compactor.sharding_ring.nodes; empty means"
          + " -ingester.ring.instance-id. -compactor.instance-id is a deprecated alias.")
  public String compactorId = "";

  @Option(names = {"--compactor.testing.pause-after-upload", "-compactor.testing.pause-after-upload"},
      defaultValue = "0s", converter = DurationConverter.class, hidden = true,
      description = "Testing only: pause between uploading a compacted block and marking its sources deleted.")
  public Duration compactorPauseAfterUpload = Duration.ZERO;

  @Option(names = {"--runtime-config.file", "-runtime-config.file"}, descriptionKey = "runtime_config.file",
      defaultValue = "",
      description = "YAML file of per-tenant overrides (Mimir's shape: overrides: {<tenant>: {...}}), reloaded"
          + " while running.")
  public String runtimeConfigFile = "";

  @Option(names = {"--runtime-config.reload-period", "-runtime-config.reload-period"},
      descriptionKey = "runtime_config.period", defaultValue = "10s", converter = DurationConverter.class,
      description = "How often the runtime config file is reread. Default: ${DEFAULT-VALUE}.")
  public Duration runtimeConfigReloadPeriod = Duration.ofSeconds(10);

  @Option(names = {"--log.level", "-log.level"}, descriptionKey = "server.log_level", defaultValue = "info",
      description = "Log level: debug, info, warn, error. Default: ${DEFAULT-VALUE}.")
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
            Target.COMPACTOR));
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
            "unknown target '" + value + "': expected all, distributor, ingester, querier, store-gateway or compactor");
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
