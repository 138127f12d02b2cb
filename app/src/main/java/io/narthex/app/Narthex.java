package io.narthex.app;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.narthex.app.NarthexOptions.Target;
import io.narthex.distributor.Distributor;
import io.narthex.distributor.InflightPushes;
import io.narthex.distributor.PushHandler;
import io.narthex.distributor.TenantLimits;
import io.narthex.distributor.ValidationLimits;
import io.narthex.blocks.BlockShipper;
import io.narthex.blocks.BlockUploadHttp;
import io.narthex.blocks.BlockUploadLimits;
import io.narthex.blocks.BlockUploadService;
import io.narthex.blocks.BucketIndexUpdater;
import io.narthex.blocks.TenantDeletionMark;
import io.narthex.blocks.TombstoneStore;
import io.narthex.compactor.Compactor;
import io.narthex.compactor.CompactorConfig;
import io.narthex.common.Tenant;
import io.narthex.tsdb.storage.StorageException;
import io.narthex.tsdb.storage.Tombstone;
import io.narthex.tsdb.storage.Tombstones;
import io.narthex.ingester.IngesterGrpcService;
import io.narthex.ingester.shipper.Shipper;
import io.narthex.ingester.shipper.ShipperOptions;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.narthex.objstore.S3Config;
import io.narthex.querier.ChunkSource;
import io.narthex.storegateway.StoreGateway;
import io.narthex.storegateway.StoreGatewayConfig;
import io.narthex.storegateway.StoreGatewayGrpcService;
import io.narthex.common.HashRing;
import io.narthex.storegateway.client.BlocksStoreReader;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.ChunkSeries;
import io.narthex.tsdb.storage.SelectHints;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.ApplyOptions;
import io.narthex.ingester.raft.HeapWatermark;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.querier.ShardReaders;
import io.narthex.ingester.client.GrpcIngesterClient;
import io.narthex.ingester.client.IngesterClient;
import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.querier.FetchLimits;
import io.narthex.querier.IngesterChunkSource;
import io.narthex.querier.MergingQueryable;
import io.narthex.querier.PrometheusApi;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Narthex process: the components chosen by {@code --target}, an HTTP server (push, Prometheus API,
 * {@code /ready}, {@code /metrics}) and, with an ingester, a gRPC server. {@link #close()} stops it cleanly.
 */
public final class Narthex implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Narthex.class);
  private static final int MAX_GRPC_MESSAGE_BYTES = 256 << 20;
  private static final com.fasterxml.jackson.databind.ObjectMapper STATUS_JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  static {
    // ratis-thirdparty-misc shades Netty 4.1 but ships META-INF/io.netty.versions.properties under unshaded names,
    // which makes Armeria warn about a Netty mismatch that does not exist on the classpath.
    System.setProperty("com.linecorp.armeria.warnNettyVersions", "false");
    JvmMetrics.builder().register();
  }

  // Not final: a failed start closes whatever had started.
  private Server httpServer;
  private io.grpc.Server grpcServer;
  private io.grpc.Server inProcessServer;
  private IngesterNode node;
  private Bucket bucket;
  private Shipper shipper;
  private StoreGateway storeGateway;
  private Compactor compactor;
  private RuntimeConfig runtimeConfig;
  private BlocksStoreReader blocksReader;
  /** Each tenant's deletion requests, for queries and the compactor alike. */
  private com.github.benmanes.caffeine.cache.LoadingCache<String, TenantDeletions.Deletions> deletions;
  private final List<ManagedChannel> storeGatewayChannels = new ArrayList<>();
  private final List<ShardWriter> shardWriters = new ArrayList<>();
  private ShardReaders shardReaders;
  private final ExecutorService queryExecutor = Executors.newVirtualThreadPerTaskExecutor();

  private Narthex(NarthexOptions options) throws IOException {
    try {
      startComponents(options);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void startComponents(NarthexOptions options) throws IOException {
    Set<Target> components = options.components();
    Files.createDirectories(Path.of(options.tsdbDir));
    if (options.raftListenPort == 0) {
      options.raftListenPort = freePort();
    }
    ShardMap shardMap = RingConfig.shardMap(options);
    io.narthex.ingester.raft.TlsFiles serverTls = InternalTransport.serverTls(options);
    io.narthex.ingester.raft.TlsFiles clientTls = InternalTransport.clientTls(options);
    if (components.contains(Target.INGESTER) || components.contains(Target.STORE_GATEWAY)) {
      InternalTransport.checkBothSides(serverTls, clientTls);
    }
    ShardMap.Node self = shardMap.nodes().stream().filter(n -> n.id().equals(options.nodeId)).findFirst().orElse(null);
    RaftOptions raftOptions = new RaftOptions(
        options.electionTimeout, options.snapshotEntries, options.raftWriteTimeout,
        InternalTransport.listenAddress(options.raftListenAddress, self == null ? null : self.raftAddress(),
            options.httpListenAddress),
        serverTls, clientTls);

    String inProcessName = "narthex-ingester-" + UUID.randomUUID();
    bucket = openBucket(options);
    String storeGatewayId = options.storeGatewayId.isEmpty() ? options.nodeId : options.storeGatewayId;
    Map<String, String> storeGateways = RingConfig.storeGateways(options, shardMap);
    if (components.contains(Target.INGESTER)) {
      node = IngesterNode.start(shardMap, options.nodeId, Path.of(options.tsdbDir), raftOptions,
          new ApplyOptions(HeapWatermark.ofPercent(options.maxHeapUsedPercent), options.outOfOrderTimeWindow));
      Bucket blocks = bucket;
      shipper = new Shipper(node, shardMap, raftOptions, (tenant, blockDir) -> {
        BlockShipper.upload(blocks, tenant, blockDir);
        try {
          BucketIndexUpdater.update(blocks, tenant);
        } catch (IOException e) {
          // The block is in the bucket; the next update (store-gateway sync, next block) lists it.
          log.warn("updating the bucket index failed tenant={} err=\"{}\"", tenant, e.toString());
        }
      }, new ShipperOptions(options.blockRangesPeriod, options.blockCutGracePeriod, options.tsdbRetentionPeriod,
          options.shipInterval), Path.of(options.tsdbDir).resolve("shipper"), Clock.systemUTC());
      shipper.start();
    }
    if (components.contains(Target.STORE_GATEWAY)) {
      if (!storeGateways.containsKey(storeGatewayId)) {
        throw new IllegalArgumentException("store-gateway id " + storeGatewayId
            + " is not in the store-gateway ring " + storeGateways.keySet());
      }
      storeGateway = new StoreGateway(new StoreGatewayConfig(Path.of(options.bucketStoreSyncDir),
          options.bucketStoreSyncInterval, options.indexHeaderIdleTimeout, options.indexCacheBytes / 2,
          options.indexCacheBytes / 2, options.chunksCacheBytes, storeGatewayId, List.copyOf(storeGateways.keySet()),
          options.storeGatewayReplicationFactor, options.ignoreDeletionMarksDelay), bucket)
          .withMaxConcurrent(options.bucketStoreMaxConcurrent);
      storeGateway.start();
    }
    runtimeConfig = new RuntimeConfig(
        options.runtimeConfigFile.isEmpty() ? null : Path.of(options.runtimeConfigFile), options.runtimeConfigReloadPeriod);
    deletions = TenantDeletions.cache(bucket, options.bucketStoreSyncInterval,
        com.github.benmanes.caffeine.cache.Ticker.systemTicker(), java.util.concurrent.ForkJoinPool.commonPool());
    if (components.contains(Target.COMPACTOR)) {
      compactor = startCompactor(options, RingConfig.compactors(options, shardMap));
    }
    if (node != null || storeGateway != null) {
      String advertised = self != null ? self.grpcAddress() : storeGateways.get(storeGatewayId);
      NettyServerBuilder grpc = InternalTransport.grpcServer(
          InternalTransport.listenAddress(options.grpcListenAddress, advertised, options.httpListenAddress),
          options.grpcListenPort, serverTls).maxInboundMessageSize(MAX_GRPC_MESSAGE_BYTES);
      InProcessServerBuilder inProcess = InProcessServerBuilder.forName(inProcessName);
      if (node != null) {
        grpc.addService(new IngesterGrpcService(node));
        inProcess.addService(new IngesterGrpcService(node));
      }
      if (storeGateway != null) {
        grpc.addService(new StoreGatewayGrpcService(storeGateway));
        inProcess.addService(new StoreGatewayGrpcService(storeGateway));
      }
      grpcServer = grpc.build().start();
      inProcessServer = inProcess.build().start();
    }
    if (components.contains(Target.DISTRIBUTOR)) {
      for (int shard = 0; shard < shardMap.shardCount(); shard++) {
        shardWriters.add(new RaftShardWriter(shardMap, shard, raftOptions));
      }
    }
    if (components.contains(Target.QUERIER)) {
      List<List<IngesterClient>> replicasPerShard = new ArrayList<>();
      for (int shard = 0; shard < shardMap.shardCount(); shard++) {
        List<IngesterClient> replicas = new ArrayList<>();
        for (ShardMap.Node replica : shardMap.replicas(shard)) {
          boolean local = node != null && replica.id().equals(options.nodeId);
          ManagedChannel channel = local
              ? InProcessChannelBuilder.forName(inProcessName).maxInboundMessageSize(MAX_GRPC_MESSAGE_BYTES).build()
              : InternalTransport.channel(replica.grpcAddress(), clientTls)
                  .maxInboundMessageSize(MAX_GRPC_MESSAGE_BYTES).build();
          replicas.add(new GrpcIngesterClient(replica.id() + "@" + replica.grpcAddress(), channel,
              options.ingesterClientTimeout));
        }
        replicasPerShard.add(replicas);
      }
      shardReaders = new ShardReaders(replicasPerShard);
      Map<String, ManagedChannel> channels = new java.util.LinkedHashMap<>();
      storeGateways.forEach((id, address) -> {
        boolean local = storeGateway != null && id.equals(storeGatewayId);
        ManagedChannel channel = local
            ? InProcessChannelBuilder.forName(inProcessName).maxInboundMessageSize(MAX_GRPC_MESSAGE_BYTES).build()
            : InternalTransport.channel(address, clientTls).maxInboundMessageSize(MAX_GRPC_MESSAGE_BYTES)
                .build();
        storeGatewayChannels.add(channel);
        channels.put(id, channel);
      });
      blocksReader = new BlocksStoreReader(bucket,
          new HashRing(List.copyOf(storeGateways.keySet()), options.storeGatewayReplicationFactor),
          channels, options.ingesterClientTimeout, options.bucketStoreSyncInterval, options.ignoreDeletionMarksDelay,
          BlocksStoreReader.MIN_UPLOAD_GRACE);
    }

    ServerBuilder http = Server.builder()
        .requestTimeout(options.queryTimeout.plus(Duration.ofSeconds(30)))
        // Small bodies by default; push and block upload files raise it on their own routes.
        .maxRequestLength(options.maxBodySizeBytes)
        .gracefulShutdownTimeout(Duration.ofSeconds(1), Duration.ofSeconds(10));
    if (options.httpListenAddress.isEmpty()) {
      http.http(options.httpListenPort);
    } else {
      http.http(new InetSocketAddress(options.httpListenAddress, options.httpListenPort));
    }
    http.service("/ready", (ctx, req) -> node == null || node.ready()
        ? HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ready\n")
        : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8,
            "not ready: a shard of this ingester has no leader yet or is still replaying its log\n"));
    // Operator routes: flush and delete_tenant change state; POST only, so a link or a crawler cannot trigger them.
    if (shipper != null && options.adminRoutesEnabled) {
      http.route().post("/ingester/flush").build((ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(() -> {
        Shipper.Result result = shipper.ship(true);
        refreshBlockViews();
        return result.blocksPending() == 0
            ? HttpResponse.of(HttpStatus.NO_CONTENT)
            : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8,
                result.blocksShipped() + " blocks shipped, " + result.blocksPending()
                    + " not yet: object storage failed; they stay on local disk and in memory and are retried every "
                    + options.shipInterval.toSeconds() + "s\n");
      }, queryExecutor)));
    }
    if (compactor != null && options.adminRoutesEnabled) {
      http.service("/compactor/delete_tenant", (ctx, req) -> req.method() != com.linecorp.armeria.common.HttpMethod.POST
          ? HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED)
          : forTenant(req, options.multitenancyEnabled, tenant -> {
            TenantDeletionMark.write(bucket, tenant, java.time.Instant.now());
            log.info("tenant marked for deletion tenant={}", tenant);
            return HttpResponse.of(HttpStatus.OK);
          }));
      http.service("/compactor/delete_tenant_status", (ctx, req) -> forTenant(req, options.multitenancyEnabled,
          tenant -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, STATUS_JSON.writeValueAsBytes(Map.of(
              "tenant_id", tenant,
              "blocks_deleted", BucketIndexUpdater.build(bucket, tenant, null, Clock.systemUTC()).blocks().isEmpty())))));
    }
    if (components.contains(Target.QUERIER) || storeGateway != null) {
      BlockUploadLimits uploadDefaults = new BlockUploadLimits(options.blockUploadEnabled,
          options.blockUploadMaxBlockSizeBytes, options.maxLabelNamesPerSeries, options.createGracePeriod);
      RuntimeConfig overrides = runtimeConfig;
      BlockUploadService uploads = new BlockUploadService(bucket,
          tenant -> overrides.blockUploadLimits(tenant, uploadDefaults),
          Path.of(options.tsdbDir).resolve("block-uploads"), 1, Clock.systemUTC());
      new BlockUploadHttp(uploads, options.multitenancyEnabled).bind(http);
    }
    if (node != null && options.adminRoutesEnabled) {
      http.service("/ingester/shards", (ctx, req) -> {
        String header = req.headers().get(Tenant.HEADER);
        String tenant;
        try {
          tenant = header == null && options.multitenancyEnabled ? null
              : Tenant.resolve(header, options.multitenancyEnabled);
        } catch (Tenant.InvalidTenantException e) {
          return HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n");
        }
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON, STATUS_JSON.writerWithDefaultPrettyPrinter()
            .writeValueAsBytes(Map.of("node", node.nodeId(), "replicas", shardsAsSeenBy(tenant))));
      });
    }
    http.service("/metrics", (ctx, req) -> {
      try {
        return HttpResponse.of(
            HttpStatus.OK, MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), scrapeMetrics());
      } catch (RuntimeException | LinkageError e) {
        log.error("collecting metrics failed", e);
        return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8,
            "collecting metrics failed: " + e + "\n");
      }
    });
    if (components.contains(Target.DISTRIBUTOR)) {
      TenantLimits defaultLimits = new TenantLimits(options.ingestionRate, options.ingestionBurstSize,
          options.maxGlobalSeriesPerUser, options.maxGlobalSeriesPerMetric);
      RuntimeConfig overrides = runtimeConfig;
      Distributor distributor = new Distributor(shardWriters, new ValidationLimits(
          options.maxLabelNameLength, options.maxLabelValueLength, options.maxLabelNamesPerSeries,
          options.createGracePeriod.toMillis()), tenant -> overrides.tenantLimits(tenant, defaultLimits));
      http.route().path("/api/v1/push").maxRequestLength(2L * options.maxRecvMsgSizeBytes + (1 << 20)).build(
          new PushHandler(distributor, options.multitenancyEnabled, options.maxRecvMsgSizeBytes,
              new InflightPushes(options.maxInflightPushRequests, options.maxInflightPushRequestsBytes())));
    }
    if (components.contains(Target.QUERIER)) {
      Engine engine = new Engine(new EngineOptions(options.lookbackDelta, options.maxSamples, options.queryTimeout));
      Bucket blocks = bucket;
      FetchLimits defaultFetchLimits = new FetchLimits(options.maxFetchedSeriesPerQuery,
          options.maxFetchedChunksPerQuery, options.maxFetchedChunkBytesPerQuery);
      RuntimeConfig fetchOverrides = runtimeConfig;
      int defaultMaxQueryExpressionSizeBytes = options.maxQueryExpressionSizeBytes;
      if (defaultMaxQueryExpressionSizeBytes < 0) {
        throw new IllegalArgumentException("-query-frontend.max-query-expression-size-bytes must be >= 0 (0 ="
            + " unlimited), got " + defaultMaxQueryExpressionSizeBytes);
      }
      new PrometheusApi(
          engine,
          (tenant, warnings) -> new MergingQueryable(
              new IngesterChunkSource(shardReaders, tenant, queryExecutor, warnings), blockSource(tenant),
              options.queryIngestersWithin, options.queryStoreAfter, Clock.systemUTC(), queryExecutor,
              tombstonesOf(tenant)).withLimits(fetchOverrides.fetchLimits(tenant, defaultFetchLimits)),
          options.multitenancyEnabled,
          Version.VERSION)
          .withMaxConcurrent(options.maxConcurrentQueries)
          .withMaxQueryExpressionSizeBytes(
              tenant -> fetchOverrides.maxQueryExpressionSizeBytes(tenant, defaultMaxQueryExpressionSizeBytes))
          .withSeriesDeleter(!options.adminRoutesEnabled ? null : (tenant, matchers, startMs, endMs) -> {
            try {
              TombstoneStore.write(blocks, tenant, new Tombstone(matchers, startMs, endMs), Clock.systemUTC());
            } catch (IOException e) {
              throw new StorageException("storing the deletion request failed: " + e.getMessage(), e);
            }
            deletions.invalidate(tenant);
          })
          .bind(http, options.prometheusHttpPrefix);
    }
    httpServer = http.build();
    httpServer.start().join();
    log.info("Narthex started version={} targets={} http_port={} grpc_port={}",
        Version.VERSION, components, httpPort(), grpcPort());
  }

  private static Bucket openBucket(NarthexOptions options) throws IOException {
    return switch (options.blocksBackend) {
      case "filesystem" -> Buckets.filesystem("blocks", Path.of(options.blocksFilesystemDir));
      case "s3" -> Buckets.s3("blocks", new S3Config(options.s3Endpoint, options.s3Region, options.s3BucketName,
          options.s3AccessKeyId, options.s3SecretAccessKey, switch (options.s3BucketLookupType) {
            case "path" -> true;
            case "auto", "virtual-hosted" -> false;
            default -> throw new IllegalArgumentException("-blocks-storage.s3.bucket-lookup-type must be auto,"
                + " virtual-hosted or path, got " + options.s3BucketLookupType);
          }, options.s3Insecure, options.s3InsecureSkipVerify, S3Config.DEFAULT_TIMEOUT, options.s3MaxRetries));
      default -> throw new IllegalArgumentException(
          "-blocks-storage.backend must be filesystem or s3, got " + options.blocksBackend);
    };
  }

  /** The tenant's blocks behind the store-gateways, as the querier reads them. */
  private ChunkSource blockSource(String tenant) {
    return new ChunkSource() {
      @Override
      public List<ChunkSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers) {
        return blocksReader.select(tenant, startMs, endMs, matchers, hints == null ? "" : hints.function());
      }

      @Override
      public List<String> labelNames(long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
        return blocksReader.labelNames(tenant, minTimeMs, maxTimeMs, matchers);
      }

      @Override
      public List<String> labelValues(String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
        return blocksReader.labelValues(tenant, name, minTimeMs, maxTimeMs, matchers);
      }
    };
  }

  @FunctionalInterface
  private interface TenantCall {
    HttpResponse call(String tenant) throws IOException;
  }

  /** Runs a bucket call for the request's tenant off the event loop: 401 without a tenant, 500 on a bucket fault. */
  private HttpResponse forTenant(com.linecorp.armeria.common.HttpRequest req, boolean multitenancyEnabled,
      TenantCall call) {
    String tenant;
    try {
      tenant = Tenant.resolve(req.headers().get(Tenant.HEADER), multitenancyEnabled);
    } catch (Tenant.InvalidTenantException e) {
      return HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n");
    }
    return HttpResponse.of(CompletableFuture.supplyAsync(() -> {
      try {
        return call.call(tenant);
      } catch (IOException e) {
        log.warn("object storage call failed tenant={} err=\"{}\"", tenant, e.toString());
        return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8,
            "object storage failed: " + e.getMessage() + "\n");
      }
    }, queryExecutor));
  }

  private Compactor startCompactor(NarthexOptions options, List<String> compactorIds) {
    String id = options.compactorId.isEmpty() ? options.nodeId : options.compactorId;
    if (!compactorIds.contains(id)) {
      throw new IllegalArgumentException("compactor id " + id + " is not in the compactor ring " + compactorIds);
    }
    Compactor started = new Compactor(new CompactorConfig(options.compactorBlockRanges, options.compactionInterval,
        options.deletionDelay, options.firstLevelCompactionWaitPeriod, options.partialBlockDeletionDelay,
        options.blocksRetentionPeriod, runtimeConfig::retentionOverride, Path.of(options.compactorDataDir), id,
        compactorIds, options.compactorPauseAfterUpload), bucket, Clock.systemUTC(),
        // Read again once per tenant and pass: other processes' requests are not in this process's cache yet.
        tenant -> deletions.refresh(tenant).join());
    started.start();
    return started;
  }

  /** The tenant's deletion requests, cached; a bucket fault fails the query rather than showing deleted data. */
  private Tombstones tombstonesOf(String tenant) {
    try {
      return deletions.get(tenant).tombstones();
    } catch (RuntimeException e) {
      throw new StorageException("reading the deletion requests of tenant " + tenant + " failed: " + e, e);
    }
  }

  /**
   * This ingester's replicas with the series counts of {@code tenant} only (none when null): the shard facts are
   * the operator's, but which other tenants exist and how large they are is not a caller's business.
   */
  private List<IngesterNode.ReplicaStatus> shardsAsSeenBy(String tenant) {
    List<IngesterNode.ReplicaStatus> replicas = new ArrayList<>();
    for (IngesterNode.ReplicaStatus r : node.status()) {
      Long series = tenant == null ? null : r.seriesPerTenant().get(tenant);
      replicas.add(new IngesterNode.ReplicaStatus(r.shard(), r.role(), r.leaderId(), r.replicas(), r.term(),
          r.commitIndex(), r.appliedIndex(), r.logBytes(), series == null ? Map.of() : Map.of(tenant, series)));
    }
    return replicas;
  }

  /** After a flush in this process: the local store-gateway and querier see the new blocks at once. */
  private void refreshBlockViews() {
    try {
      if (storeGateway != null) {
        storeGateway.syncBlocks();
      }
      if (blocksReader != null) {
        for (String tenant : BucketIndexUpdater.tenants(bucket)) {
          blocksReader.invalidate(tenant);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.warn("refreshing the block views after a flush failed err=\"{}\"", e.toString());
    }
  }

  /**
   * Starts a process with the given options.
   *
   * @throws IOException when a port or the data directory cannot be used
   * @throws IllegalArgumentException when the options do not make a working process
   */
  public static Narthex start(NarthexOptions options) throws IOException {
    return new Narthex(options);
  }

  /** Whether every component can serve: for an ingester, every local shard has a leader and has caught up. */
  public boolean ready() {
    return node == null || node.ready();
  }

  /** The HTTP port actually bound (differs from the option when that was 0). */
  public int httpPort() {
    return httpServer.activeLocalPort();
  }

  /** The gRPC port actually bound, or -1 without an ingester. */
  public int grpcPort() {
    return grpcServer == null ? -1 : grpcServer.getPort();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static byte[] scrapeMetrics() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 << 10);
    try {
      ExpositionFormats.init()
          .getPrometheusTextFormatWriter()
          .write(out, PrometheusRegistry.defaultRegistry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    log.info("Narthex stopping");
    if (compactor != null) {
      compactor.close();
    }
    if (runtimeConfig != null) {
      runtimeConfig.close();
    }
    if (shipper != null) {
      shipper.close();
    }
    if (node != null) {
      node.transferLeadership();
    }
    if (httpServer != null) {
      httpServer.stop().join();
    }
    shardWriters.forEach(ShardWriter::close);
    if (shardReaders != null) {
      shardReaders.close();
    }
    for (io.grpc.Server server : new io.grpc.Server[] {grpcServer, inProcessServer}) {
      if (server != null) {
        server.shutdown();
        try {
          server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        server.shutdownNow();
      }
    }
    if (node != null) {
      node.close();
    }
    storeGatewayChannels.forEach(ManagedChannel::shutdownNow);
    if (storeGateway != null) {
      storeGateway.close();
    }
    if (bucket != null) {
      try {
        bucket.close();
      } catch (IOException e) {
        log.warn("closing the bucket failed: {}", e.toString());
      }
    }
    queryExecutor.close();
    log.info("Narthex stopped");
  }
}
