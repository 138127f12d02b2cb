package io.narthex.app;

import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.narthex.alertmanager.AlertmanagerConfigApi;
import io.narthex.alertmanager.AlertmanagerConfigs;
import io.narthex.alertmanager.AlertmanagerLimits;
import io.narthex.alertmanager.BucketAlertStore;
import io.narthex.alertmanager.FallbackConfig;
import io.narthex.alertmanager.MultitenantAlertmanager;
import io.narthex.alertmanager.api.AlertmanagerApiV2;
import io.narthex.alertmanager.dispatch.SenderFactory;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.alertmanager.replication.AlertmanagerPlacement;
import io.narthex.alertmanager.replication.AlertmanagerReplicaNode;
import io.narthex.alertmanager.replication.ReplicatedAlertmanagerState;
import io.narthex.alertmanager.replication.ReplicationOptions;
import io.narthex.alertmanager.state.StatePersister;
import io.narthex.alertmanager.state.StateStore;
import io.narthex.app.NarthexOptions.Target;
import io.narthex.blocks.BlockShipper;
import io.narthex.blocks.BlockUploadHttp;
import io.narthex.blocks.BlockUploadMetrics;
import io.narthex.blocks.BlockUploadLimits;
import io.narthex.blocks.BlockUploadService;
import io.narthex.blocks.BucketIndexUpdater;
import io.narthex.common.service.Service;
import io.narthex.common.service.ServiceManager;
import io.narthex.compactor.Compactor;
import io.narthex.compactor.CompactorConfig;
import io.narthex.compactor.CompactorHttp;
import io.narthex.compactor.TenantDeletions;
import io.narthex.distributor.Distributor;
import io.narthex.distributor.DistributorMetrics;
import io.narthex.distributor.InflightPushes;
import io.narthex.distributor.PushHandler;
import io.narthex.distributor.TenantLimits;
import io.narthex.distributor.ValidationLimits;
import io.narthex.ingester.IngesterGrpcService;
import io.narthex.ingester.IngesterService;
import io.narthex.ingester.MetadataLimits;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.ingester.raft.ApplyOptions;
import io.narthex.ingester.raft.HeapWatermark;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.raft.RaftWriterMetrics;
import io.narthex.ingester.raft.TlsFiles;
import io.narthex.ingester.ring.RingPoller;
import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.ingester.shipper.ShipperOptions;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.narthex.objstore.ObjstoreMetrics;
import io.narthex.objstore.S3Config;
import io.narthex.promql.Value;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import io.narthex.ruler.BucketRuleStore;
import io.narthex.ruler.HttpPeerRules;
import io.narthex.ruler.LocalRuleStore;
import io.narthex.ruler.RuleStore;
import io.narthex.ruler.RulerLimits;
import io.narthex.ruler.RulerRing;
import io.narthex.ruler.RulesApi;
import io.narthex.ruler.RulesConfigApi;
import io.narthex.ruler.alert.AlertingRules;
import io.narthex.ruler.alert.AlertmanagerUrls;
import io.narthex.ruler.alert.NotifierMetrics;
import io.narthex.ruler.alert.Notifiers;
import io.narthex.ruler.alert.PrometheusAlertTemplates;
import io.narthex.ruler.eval.RuleEvaluators;
import io.narthex.ruler.eval.RuleManager;
import io.narthex.ruler.eval.RuleQuerier;
import io.narthex.ruler.eval.RulerClock;
import io.narthex.ruler.eval.RulerMetrics;
import io.narthex.storegateway.StoreGateway;
import io.narthex.storegateway.StoreGatewayConfig;
import io.narthex.storegateway.StoreGatewayGrpcService;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: which modules a process runs, what each depends on, and how each is built from the
 * options, as Mimir's {@code pkg/mimir/modules.go}. Each module's factory builds its component from the modules it
 * depends on, which already run, and binds its own HTTP routes; {@link ServiceManager} starts them in dependency
 * order and stops them in reverse. The querier's wiring is in {@link QuerierModule}; the HTTP server in
 * {@link HttpServerModule}.
 */
final class Modules {
  static final String RUNTIME_CONFIG = "runtime-config";
  static final String BUCKET = "bucket";
  static final String DELETIONS = "deletions";
  static final String INGESTER = "ingester";
  static final String STORE_GATEWAY = "store-gateway";
  static final String GRPC_SERVER = "grpc-server";
  static final String COMPACTOR = "compactor";
  static final String DISTRIBUTOR = "distributor";
  static final String QUERIER = "querier";
  static final String RULER = "ruler";
  /** How long another ruler has to answer with its rule groups for a listing of a tenant's rules. */
  private static final java.time.Duration RULER_PEER_TIMEOUT = java.time.Duration.ofSeconds(30);
  static final String ALERTMANAGER = "alertmanager";
  static final String SERVER = "server";

  static final int MAX_GRPC_MESSAGE_BYTES = 256 << 20;

  final NarthexOptions options;
  final Set<Target> targets;
  /** Routes are bound here by the modules; the {@link #SERVER} module builds and starts it last. */
  final ServerBuilder http;
  /** Off-event-loop work of the HTTP routes and the querier's fan-out. */
  final ExecutorService executor;
  /** The ingester ring as configured: the ring group's seed. */
  final ShardMap shardMap;
  /**
   * The ingester ring as this process knows it now: its ingester's replica of the ring group updates it, or, in a
   * process without the ingester, a {@link RingPoller}. The distributor's writers and the querier follow it.
   */
  final RingView ring;
  /** Polls the ring group in a process without the ingester; null until {@link #followRing}. */
  private RingPoller ringPoller;
  /** This process's entry in the shard map; null when it runs no ingester that the map names. */
  final ShardMap.Node self;
  final RaftOptions raftOptions;
  final TlsFiles clientTls;
  final TlsFiles serverTls;
  final String storeGatewayId;
  /** The store-gateways by id with their gRPC addresses, as configured (the ingester ring's nodes, when following). */
  final Map<String, String> storeGateways;
  /** Whether the store-gateway ring is the ingester ring's nodes, and follows it as nodes join and leave. */
  final boolean storeGatewaysFollowRing;
  /** Whether the compactor ring is the ingester ring's nodes, and follows it. */
  final boolean compactorsFollowRing;
  /** This process's metrics: every module registers its own here, and {@code /metrics} serves them. */
  final PrometheusRegistry registry;
  /** Shared by the distributor's and the block shipper's writers, which register the same metric. */
  final RaftWriterMetrics raftWriterMetrics;
  /** In-process gRPC: the querier reaches a local ingester or store-gateway without a socket. */
  final String inProcessName = "narthex-ingester-" + UUID.randomUUID();

  // Built by the modules, in start order.
  RuntimeConfig runtimeConfig;
  Bucket bucket;
  /** Each tenant's deletion requests, for queries and the compactor alike. */
  LoadingCache<String, TenantDeletions.Deletions> deletions;
  IngesterService ingester;
  StoreGateway storeGateway;
  io.grpc.Server grpcServer;
  QuerierModule querier;
  /** The ruler's evaluation; null until the ruler module is built. */
  RuleManager rules;
  /** The distributor module's; null when the process runs none. */
  Distributor distributor;
  /** Set by {@link #register}: the ruler's default Alertmanager is this process's, once its HTTP server runs. */
  private ServiceManager serviceManager;
  private HttpServerModule httpServer;

  Modules(NarthexOptions options, ServerBuilder http, ExecutorService executor, PrometheusRegistry registry)
      throws java.io.IOException {
    this.options = options;
    this.registry = registry;
    this.raftWriterMetrics = new RaftWriterMetrics(registry);
    this.targets = options.components();
    this.http = http;
    this.executor = executor;
    this.shardMap = RingConfig.shardMap(options);
    this.ring = RingView.of(shardMap);
    this.serverTls = InternalTransport.serverTls(options);
    this.clientTls = InternalTransport.clientTls(options);
    if (targets.contains(Target.INGESTER) || targets.contains(Target.STORE_GATEWAY)) {
      InternalTransport.checkBothSides(serverTls, clientTls);
    }
    this.self = shardMap.nodes().stream().filter(n -> n.id().equals(options.ingester.instanceId)).findFirst()
        .orElse(null);
    this.raftOptions = new RaftOptions(options.ingester.electionTimeout, options.ingester.snapshotEntries,
        options.ingester.raftWriteTimeout,
        InternalTransport.listenAddress(options.ingester.raftListenAddress, self == null ? null : self.raftAddress(),
            options.server.httpListenAddress),
        serverTls, clientTls)
        .withTransport(InternalTransport.raftTransport(options, serverTls, clientTls));
    this.storeGatewayId = options.storeGateway.instanceId.isEmpty() ? options.ingester.instanceId
        : options.storeGateway.instanceId;
    this.storeGateways = RingConfig.storeGateways(options, shardMap);
    this.storeGatewaysFollowRing = RingConfig.storeGatewaysFollowIngesterRing(options);
    this.compactorsFollowRing = RingConfig.compactorsFollowIngesterRing(options);
  }

  /** The modules of this process's targets: each target's own, the gRPC server they need, and the HTTP server. */
  Set<String> targetModules() {
    Set<String> modules = new LinkedHashSet<>();
    for (Target target : targets) {
      modules.add(switch (target) {
        case INGESTER -> INGESTER;
        case STORE_GATEWAY -> STORE_GATEWAY;
        case COMPACTOR -> COMPACTOR;
        case RULER -> RULER;
        case ALERTMANAGER -> ALERTMANAGER;
        case DISTRIBUTOR -> DISTRIBUTOR;
        case QUERIER -> QUERIER;
        case ALL -> throw new IllegalStateException("components() expands all");
      });
    }
    if (modules.contains(INGESTER) || modules.contains(STORE_GATEWAY)) {
      modules.add(GRPC_SERVER);
    }
    modules.add(SERVER);
    return modules;
  }

  /** Registers every module with its dependencies; a module that serves gRPC needs the gRPC server after it. */
  ServiceManager register(ServiceManager manager, HttpServerModule server) {
    this.serviceManager = manager;
    this.httpServer = server;
    List<String> grpcServed = new ArrayList<>();
    if (targets.contains(Target.INGESTER)) {
      grpcServed.add(INGESTER);
    }
    if (targets.contains(Target.STORE_GATEWAY)) {
      grpcServed.add(STORE_GATEWAY);
    }
    List<String> querierNeeds = new ArrayList<>(List.of(RUNTIME_CONFIG, BUCKET, DELETIONS));
    if (!grpcServed.isEmpty()) {
      querierNeeds.add(GRPC_SERVER);
    }
    Set<String> served = new LinkedHashSet<>(targetModules());
    served.remove(SERVER);
    return manager
        .register(RUNTIME_CONFIG, this::runtimeConfig)
        .register(BUCKET, this::bucket)
        .register(DELETIONS, this::deletions, BUCKET)
        .register(INGESTER, this::ingester, BUCKET)
        .register(STORE_GATEWAY, this::storeGateway, BUCKET)
        .register(GRPC_SERVER, this::grpcServer, grpcServed.toArray(String[]::new))
        .register(COMPACTOR, this::compactor, RUNTIME_CONFIG, BUCKET, DELETIONS)
        .register(DISTRIBUTOR, this::distributor, RUNTIME_CONFIG)
        .register(RULER, this::ruler, rulerNeeds(querierNeeds))
        .register(ALERTMANAGER, this::alertmanager, RUNTIME_CONFIG, BUCKET)
        .register(QUERIER, () -> querier = new QuerierModule(this), querierNeeds.toArray(String[]::new))
        .register(SERVER, server, served.toArray(String[]::new));
  }

  /**
   * The ruler reads through the querier and writes through the distributor of this process when it runs them, else
   * it builds its own read path (which needs what the querier needs).
   */
  private String[] rulerNeeds(List<String> querierNeeds) {
    Set<String> needs = new LinkedHashSet<>(querierNeeds);
    if (targets.contains(Target.QUERIER)) {
      needs.add(QUERIER);
    }
    if (targets.contains(Target.DISTRIBUTOR)) {
      needs.add(DISTRIBUTOR);
    }
    return needs.toArray(String[]::new);
  }

  private Service runtimeConfig() {
    runtimeConfig = new RuntimeConfig(options.runtimeConfig.file.isEmpty() ? null : Path.of(options.runtimeConfig.file),
        options.runtimeConfig.reloadPeriod);
    return Service.closing(runtimeConfig);
  }

  private Service bucket() throws java.io.IOException {
    ObjstoreMetrics objstoreMetrics = new ObjstoreMetrics(registry);
    bucket = switch (options.bucket.backend) {
      case "filesystem" -> Buckets.filesystem("blocks", Path.of(options.bucket.filesystemDir), objstoreMetrics);
      case "s3" -> Buckets.s3("blocks", new S3Config(options.bucket.s3Endpoint, options.bucket.s3Region,
          options.bucket.s3BucketName,
          options.bucket.s3AccessKeyId, options.bucket.s3SecretAccessKey, switch (options.bucket.s3BucketLookupType) {
            case "path" -> true;
            case "auto", "virtual-hosted" -> false;
            default -> throw new IllegalArgumentException("-blocks-storage.s3.bucket-lookup-type must be auto,"
                + " virtual-hosted or path, got " + options.bucket.s3BucketLookupType);
          }, options.bucket.s3Insecure, options.bucket.s3InsecureSkipVerify, S3Config.DEFAULT_TIMEOUT,
              options.bucket.s3MaxRetries),
          objstoreMetrics);
      default -> throw new IllegalArgumentException(
          "-blocks-storage.backend must be filesystem or s3, got " + options.bucket.backend);
    };
    return Service.closing(bucket);
  }

  private Service deletions() {
    deletions = TenantDeletions.cache(bucket, options.storeGateway.bucketStoreSyncInterval, Ticker.systemTicker(),
        ForkJoinPool.commonPool());
    return null;
  }

  private Service ingester() {
    if (options.ingester.blockCutGracePeriod != null) {
      org.slf4j.LoggerFactory.getLogger(Modules.class).warn("-blocks-storage.tsdb.block-cut-grace-period is"
          + " deprecated and ignored, and will be removed: ranges are cut by sample time, as Prometheus cuts, and idle"
          + " heads after -blocks-storage.tsdb.head-compaction-idle-timeout");
    }
    Bucket blocks = bucket;
    ingester = new IngesterService(ring, options.ingester.instanceId, Path.of(options.ingester.tsdbDir),
        raftOptions,
        new ApplyOptions(HeapWatermark.ofPercent(options.ingester.maxHeapUsedPercent),
            options.limits.outOfOrderTimeWindow,
            new MetadataLimits(options.limits.maxGlobalMetadataPerUser, options.limits.maxGlobalMetadataPerMetric,
                options.ingester.metadataRetainPeriod)),
        new ShipperOptions(options.ingester.blockRangesPeriod, options.ingester.headCompactionIdleTimeout,
            options.ingester.tsdbRetentionPeriod, options.ingester.shipInterval),
        (tenant, blockDir) -> BlockShipper.uploadAndIndex(blocks, tenant, blockDir), registry, raftWriterMetrics);
    if (options.ingester.ringAutoJoin) {
      ingester.withAutoJoin(java.time.Duration.ofSeconds(5));
    }
    if (options.server.adminRoutesEnabled) {
      ingester.bindAdminRoutes(http, options.tenantResolver(), this::refreshBlockViews, executor);
    }
    return ingester;
  }

  private Service storeGateway() {
    List<String> ringIds = storeGatewaysFollowRing ? List.copyOf(RingConfig.storeGatewaysOf(ring.state()).keySet())
        : List.copyOf(storeGateways.keySet());
    if (!mayJoin(storeGatewaysFollowRing, ringIds, storeGatewayId)) {
      throw new IllegalArgumentException("store-gateway id " + storeGatewayId
          + " is not in the store-gateway ring " + ringIds);
    }
    int replicationFactor = options.storeGateway.replicationFactor;
    // A ring that follows the ingester ring may not hold this gateway yet: it joins later. Its config's ring is
    // replaced before the start.
    List<String> configuredRing = storeGatewaysFollowRing ? List.of(storeGatewayId)
        : List.copyOf(storeGateways.keySet());
    storeGateway = new StoreGateway(new StoreGatewayConfig(Path.of(options.storeGateway.bucketStoreSyncDir),
        options.storeGateway.bucketStoreSyncInterval, options.storeGateway.indexHeaderIdleTimeout,
            options.storeGateway.indexCacheBytes / 2,
        options.storeGateway.indexCacheBytes / 2, options.storeGateway.chunksCacheBytes, storeGatewayId,
            configuredRing, storeGatewaysFollowRing ? 1 : replicationFactor,
            options.storeGateway.ignoreDeletionMarksDelay), bucket,
            registry)
        .withMaxConcurrent(options.storeGateway.bucketStoreMaxConcurrent);
    StoreGateway gateway = storeGateway;
    RingFollower following = storeGatewaysFollowRing
        ? RingFollower.storeGateway(ring, gateway, replicationFactor) : null;
    if (options.server.adminRoutesEnabled) {
      http.route().get("/store-gateway/ring").build((ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON,
          HttpData.wrap(RingPages.ring(gateway.ringMembers(),
              storeGatewaysFollowRing ? RingConfig.storeGatewaysOf(ring.state()) : storeGateways, replicationFactor,
              storeGatewayId, storeGatewaysFollowRing))));
    }
    return following(gateway::start, gateway::close, following);
  }

  /**
   * A component's service that, when {@code following} is not null, also keeps this process's ring up to date while
   * it runs (see {@link #followRing}).
   */
  private Service following(Service.Starter start, Runnable stop, RingFollower following) {
    if (following == null) {
      return Service.of(start, stop);
    }
    return Service.of(() -> {
      start.start();
      followRing();
    }, () -> {
      following.close();
      stopFollowingRing();
      stop.run();
    });
  }

  /**
   * Whether a store-gateway or compactor of this id is in its ring, or may enter it: a ring that follows the ingester
   * ring takes this process's ingester when it joins.
   */
  private boolean mayJoin(boolean followsIngesterRing, List<String> ringIds, String id) {
    return ringIds.contains(id)
        || (followsIngesterRing && targets.contains(Target.INGESTER) && id.equals(options.ingester.instanceId));
  }

  /** The gRPC server of a local ingester and store-gateway, on its port and in-process. */
  private Service grpcServer() throws java.io.IOException {
    String advertised = self != null ? self.grpcAddress() : storeGateways.get(storeGatewayId);
    NettyServerBuilder grpc = InternalTransport.grpcServer(
        InternalTransport.listenAddress(options.server.grpcListenAddress, advertised, options.server.httpListenAddress),
        options.server.grpcListenPort, serverTls).maxInboundMessageSize(MAX_GRPC_MESSAGE_BYTES);
    InProcessServerBuilder inProcess = InProcessServerBuilder.forName(inProcessName);
    if (ingester != null) {
      grpc.addService(new IngesterGrpcService(ingester.node()));
      inProcess.addService(new IngesterGrpcService(ingester.node()));
    }
    if (storeGateway != null) {
      grpc.addService(new StoreGatewayGrpcService(storeGateway));
      inProcess.addService(new StoreGatewayGrpcService(storeGateway));
    }
    return new Service() {
      private io.grpc.Server inProcessServer;

      @Override
      public void start() throws java.io.IOException {
        grpcServer = grpc.build().start();
        inProcessServer = inProcess.build().start();
      }

      @Override
      public void stop() {
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
      }
    };
  }

  /** A channel to a local component in-process, or to a remote one over the network. */
  ManagedChannel channel(boolean local, String address) {
    return local
        ? InProcessChannelBuilder.forName(inProcessName).maxInboundMessageSize(MAX_GRPC_MESSAGE_BYTES).build()
        : InternalTransport.channel(address, clientTls).maxInboundMessageSize(MAX_GRPC_MESSAGE_BYTES).build();
  }

  /** The compactor, its tenant-deletion routes, and block upload (served by the compactor, as in Mimir). */
  private Service compactor() throws java.io.IOException {
    String id = options.compactor.instanceId.isEmpty() ? options.ingester.instanceId : options.compactor.instanceId;
    List<String> compactorIds = compactorsFollowRing ? RingConfig.compactorsOf(ring.state())
        : RingConfig.compactors(options, shardMap);
    if (!mayJoin(compactorsFollowRing, compactorIds, id)) {
      throw new IllegalArgumentException("compactor id " + id + " is not in the compactor ring " + compactorIds);
    }
    Compactor compactor = new Compactor(new CompactorConfig(options.compactor.blockRanges,
        options.compactor.compactionInterval,
        options.compactor.deletionDelay, options.compactor.firstLevelCompactionWaitPeriod,
            options.compactor.partialBlockDeletionDelay,
        options.limits.blocksRetentionPeriod, runtimeConfig::retentionOverride,
            Path.of(options.compactor.dataDir), id,
        // A ring that follows the ingester ring may not hold this compactor yet; it is replaced before the start.
        compactorsFollowRing ? List.of(id) : compactorIds, options.compactor.pauseAfterUpload), bucket,
            Clock.systemUTC(),
        // Read again once per tenant and pass: other processes' requests are not in this process's cache yet.
        tenant -> deletions.refresh(tenant).join(), registry);
    RingFollower following = compactorsFollowRing ? RingFollower.compactor(ring, compactor) : null;
    if (options.server.adminRoutesEnabled) {
      http.route().get("/compactor/ring").build((ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON,
          HttpData.wrap(RingPages.ring(compactor.ringMembers(), null, 1, id, compactorsFollowRing))));
    }
    if (options.server.adminRoutesEnabled) {
      new CompactorHttp(bucket, options.tenantResolver(), executor).bind(http);
    }
    BlockUploadLimits uploadDefaults = new BlockUploadLimits(options.limits.blockUploadEnabled,
        options.limits.blockUploadMaxBlockSizeBytes, options.limits.maxLabelNamesPerSeries,
            options.limits.createGracePeriod);
    RuntimeConfig overrides = runtimeConfig;
    new BlockUploadHttp(new BlockUploadService(bucket, tenant -> overrides.blockUploadLimits(tenant, uploadDefaults),
        Path.of(options.ingester.tsdbDir).resolve("block-uploads"), 1, Clock.systemUTC(),
            new BlockUploadMetrics(registry)),
        options.tenantResolver())
        .bind(http);
    return following(compactor::start, compactor::close, following);
  }

  /**
   * The ruler: the rule store and its config API, the evaluation of every tenant's rule groups ({@link RuleManager}),
   * reading through this process's querier and writing through its distributor, or through its own when the process
   * runs neither (Mimir's ruler in "internal" mode: {@code -target=ruler} alone works in a cluster), and
   * Prometheus's {@code /api/v1/rules} and {@code /api/v1/alerts}. With {@code ruler.ring.nodes}, it runs only the
   * groups it owns and those APIs ask the other rulers for theirs.
   */
  private Service ruler() throws java.io.IOException {
    if (options.ruler.tenantFederationEnabled && !options.tenantFederation.enabled) {
      // Mimir refuses to start the ruler so (pkg/mimir/modules.go).
      throw new IllegalArgumentException(
          "-ruler.tenant-federation.enabled=true requires -tenant-federation.enabled=true");
    }
    RulerRing ring = RingConfig.rulers(options);
    RuleStore store = switch (options.ruler.storageBackend) {
      // Narthex has one bucket: Mimir's backend names mean that bucket here.
      case "bucket", "filesystem", "s3" -> new BucketRuleStore(bucket, BucketRuleStore.BLOCKS_BUCKET_ROOT);
      case "local" -> {
        if (options.ruler.storageLocalDirectory.isEmpty()) {
          throw new IllegalArgumentException("-ruler-storage.backend=local needs -ruler-storage.local.directory");
        }
        yield new LocalRuleStore(Path.of(options.ruler.storageLocalDirectory));
      }
      default -> throw new IllegalArgumentException(
          "-ruler-storage.backend must be bucket, filesystem, s3 or local, got " + options.ruler.storageBackend);
    };
    if (options.ruler.enableApi) {
      RulerLimits defaults = new RulerLimits(options.limits.rulerMaxRulesPerRuleGroup,
          options.limits.rulerMaxRuleGroupsPerTenant);
      new RulesConfigApi(store, tenant -> runtimeConfig.rulerLimits(tenant, defaults), options.tenantResolver())
          .withTenantFederation(options.ruler.tenantFederationEnabled)
          .onChange(() -> {
            if (rules != null) {
              rules.requestSync();
            }
          })
          .bind(http, options.prometheusHttpPrefix);
    }
    QuerierModule reads = querier != null ? querier : new QuerierModule(this, false);
    RuleQuerier ruleReads = new RuleQuerier() {
      @Override
      public Value query(String tenant, String expr, long timestampMs) {
        return reads.instantQuery(tenant, expr, timestampMs);
      }

      @Override
      public Value queryTenants(List<String> tenants, String expr, long timestampMs) {
        return reads.instantQuery(tenants, expr, timestampMs);
      }
    };
    List<ShardWriter> ownWriters = new ArrayList<>();
    Distributor writes = distributor != null ? distributor : newDistributor(ownWriters);
    Notifiers notifiers = new Notifiers(new Notifiers.Settings(rulerAlertmanagers(),
        options.ruler.notificationQueueCapacity, options.ruler.notificationTimeout, options.ruler.externalUrl,
        Map.of()), new NotifierMetrics(registry));
    AlertingRules alerting = new AlertingRules(new AlertingRules.Settings(options.ruler.forOutageTolerance,
        options.ruler.forGracePeriod, options.ruler.resendDelay, options.ruler.evaluationInterval,
        options.querier.lookbackDelta),
        (tenant, sourceTenants) -> new PrometheusAlertTemplates(tenant, sourceTenants, ruleReads,
            options.ruler.externalUrl, Map.of()),
        notifiers);
    rules = new RuleManager(store, new RuleManager.Config(options.ruler.evaluationInterval, options.ruler.pollInterval,
        options.ruler.evaluationDelay, options.ruler.ruleEvaluationWriteEnabled,
        options.ruler.maxConcurrentGroupEvaluations, options.ruler.tenantFederationEnabled,
        tenant -> runtimeConfig.rulerEvaluationDelay(tenant, options.ruler.evaluationDelay)),
        RuleEvaluators.recordingOnly().withAlerting(alerting),
        ruleReads, (tenant, samples) -> {
          Distributor.PushResult pushed = writes.push(tenant, writeRequest(samples));
          return io.narthex.ruler.eval.RulePusher.Rejection.of(pushed.errors(), pushed.errorSeries());
        },
        RulerClock.SYSTEM, new RulerMetrics(registry), ring, notifiers::removeTenant);
    RuleManager manager = rules;
    HttpPeerRules peers = new HttpPeerRules(RULER_PEER_TIMEOUT);
    new RulesApi(manager::groups, ring.otherAddresses(), peers, options.tenantResolver())
        .bind(http, options.prometheusHttpPrefix);
    return Service.of(manager::start, () -> {
      manager.close();
      peers.close();
      notifiers.close();
      ownWriters.forEach(ShardWriter::close);
      if (reads != querier) {
        reads.stop();
      }
    });
  }

  /**
   * The Alertmanagers the ruler sends to: {@code -ruler.alertmanager-url}, or, when that is empty and this process
   * runs the Alertmanager too ({@code -target=all}), its own API v2 over loopback HTTP (issue 16 item 6), so that a
   * single process needs no configuration. The port is the one bound, known once the HTTP server runs (which starts
   * last): until then the list is empty and alerts are evaluated but not sent.
   */
  private List<AlertmanagerUrls.Target> rulerAlertmanagers() {
    if (!options.ruler.alertmanagerUrl.isBlank() || !targets.contains(Target.ALERTMANAGER)) {
      return AlertmanagerUrls.parse(options.ruler.alertmanagerUrl);
    }
    return new java.util.AbstractList<>() {
      private volatile AlertmanagerUrls.Target own;

      @Override
      public AlertmanagerUrls.Target get(int index) {
        if (index != 0 || size() == 0) {
          throw new IndexOutOfBoundsException(index);
        }
        if (own == null) {
          own = AlertmanagerUrls.parse("http://127.0.0.1:" + httpServer.port()
              + options.alertmanager.httpPrefix).getFirst();
        }
        return own;
      }

      @Override
      public int size() {
        return serviceManager != null && serviceManager.states().get(SERVER) == ServiceManager.State.RUNNING ? 1 : 0;
      }
    };
  }

  /** A rule group evaluation's output as one remote-write request, as Mimir's ruler pushes it. */
  private static WriteRequest writeRequest(List<io.narthex.promql.Sample> samples) {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (io.narthex.promql.Sample sample : samples) {
      TimeSeries.Builder series = request.addTimeseriesBuilder();
      sample.labels().forEach((name, value) -> series.addLabelsBuilder().setName(name).setValue(value));
      series.addSamplesBuilder().setValue(sample.value()).setTimestamp(sample.timestampMs());
    }
    return request.build();
  }

  /**
   * The Alertmanager's configurations (issue 16 item 1): the fallback config, read and checked at start, each
   * tenant's configuration polled from the bucket store, and Mimir's configuration API, which reloads them at once
   * after a change; each tenant's Alertmanager (item 3, driven by {@link MultitenantAlertmanager}) and the API v2
   * under {@code -http.alertmanager-http-prefix} (item 2).
   */
  private Service alertmanager() throws java.io.IOException {
    BucketAlertStore store = new BucketAlertStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT);
    AlertmanagerConfigs configs = new AlertmanagerConfigs(store,
        FallbackConfig.load(options.alertmanager.fallbackConfigFile), registry);
    TenantAlertmanager.Settings tenantSettings = options.limits.alertmanagerTenantSettings();
    StatePersister persister = new StatePersister(new StateStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT,
        tenantSettings.retention(), options.alertmanager.maxStateSizeBytes),
        java.time.Clock.systemUTC(), registry);
    AlertmanagerReplication replication = alertmanagerReplication(tenantSettings.retention());
    MultitenantAlertmanager alertmanagers;
    try {
      alertmanagers = new MultitenantAlertmanager(configs, alertmanagerSenders(),
          tenant -> runtimeConfig.alertmanagerTenantSettings(tenant, tenantSettings), java.time.Clock.systemUTC(),
          registry, persister, replication.state());
    } catch (RuntimeException e) {
      replication.close();
      throw e;
    }
    new AlertmanagerApiV2(alertmanagers, options.tenantResolver(), Version.VERSION, java.time.Instant.now(),
        options.alertmanager.maxRecvMsgSizeBytes).bind(http, options.alertmanager.httpPrefix);
    AlertmanagerLimits limits = new AlertmanagerLimits(options.limits.alertmanagerMaxConfigSizeBytes,
        options.limits.alertmanagerMaxTemplatesCount, options.limits.alertmanagerMaxTemplateSizeBytes);
    new AlertmanagerConfigApi(store, tenant -> runtimeConfig.alertmanagerLimits(tenant, limits),
        options.tenantResolver())
        .onChange(configs::syncTenant)
        .bind(http, options.alertmanager.enableApi);
    return new Service() {
      @Override
      public void start() throws java.io.IOException {
        persister.start(options.alertmanager.persistInterval);
        configs.start(options.alertmanager.pollInterval);
        alertmanagers.start();
      }

      @Override
      public void stop() {
        // First: the other replicas take over this node's groups without waiting for an election timeout.
        replication.transferLeadership();
        alertmanagers.close();
        configs.close();
        // Writes every tenant's state once more, as Mimir persists at shutdown.
        persister.close();
        replication.close();
      }

      /** Replicated: once every local replica knows its group's leader and has applied what it committed. */
      @Override
      public boolean ready() {
        return replication.ready();
      }
    };
  }

  /**
   * This process's part in the replicated Alertmanager state (issue 16 item 5): with
   * {@code alertmanager.sharding_ring.nodes}, the Raft node of this process's replicas (when it is one of the nodes)
   * and the client the tenants' Alertmanagers read and write through; both null without (unreplicated).
   */
  private record AlertmanagerReplication(AlertmanagerReplicaNode node, ReplicatedAlertmanagerState state)
      implements AutoCloseable {
    void transferLeadership() {
      if (node != null) {
        node.transferLeadership();
      }
    }

    boolean ready() {
      return node == null || node.ready();
    }

    /** The client, then the node. */
    @Override
    public void close() {
      if (state != null) {
        state.close();
      }
      if (node != null) {
        node.close();
      }
    }
  }

  /**
   * Starts this process's replica node when {@code alertmanager.sharding_ring.nodes} lists its id, and registers
   * {@code narthex_alertmanager_raft_is_leader{group}} (1 while it leads a group and has applied every entry its term
   * inherited), which tells operators, and the failover test, where each group is dispatched.
   *
   * @throws IllegalArgumentException when the placement does not fit, or {@code -alertmanager.raft-listen-port}
   *     differs from this node's {@code raft_address}
   */
  private AlertmanagerReplication alertmanagerReplication(java.time.Duration retention) throws java.io.IOException {
    AlertmanagerPlacement placement = RingConfig.alertmanagerPlacement(options);
    if (placement == null) {
      return new AlertmanagerReplication(null, null);
    }
    String id = options.alertmanager.instanceId.isEmpty() ? options.ingester.instanceId
        : options.alertmanager.instanceId;
    AlertmanagerPlacement.Node self = placement.nodes().stream().filter(n -> n.id().equals(id)).findFirst()
        .orElse(null);
    ReplicationOptions replicationOptions = new ReplicationOptions(options.alertmanager.electionTimeout,
        options.alertmanager.snapshotEntries, options.alertmanager.raftWriteTimeout, retention,
        options.alertmanager.maxEntrySizeBytes,
        InternalTransport.listenAddress("", self == null ? null : self.raftAddress(),
            options.server.httpListenAddress));
    AlertmanagerReplicaNode node = null;
    if (self != null) {
      int listedPort = java.net.URI.create("raft://" + self.raftAddress()).getPort();
      if (options.alertmanager.raftListenPort != 0 && options.alertmanager.raftListenPort != listedPort) {
        throw new IllegalArgumentException("-alertmanager.raft-listen-port=" + options.alertmanager.raftListenPort
            + " differs from the port of alertmanager node " + id + "'s raft_address " + self.raftAddress()
            + " in alertmanager.sharding_ring.nodes, where the other nodes reach it");
      }
      node = AlertmanagerReplicaNode.start(placement, id, Path.of(options.alertmanager.dataDir), replicationOptions,
          java.time.Clock.systemUTC());
      AlertmanagerReplicaNode leader = node;
      io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
          .name("narthex_alertmanager_raft_is_leader")
          .help("1 while this node leads the tenant-state group and has applied every entry its term inherited")
          .labelNames("group")
          .callback(callback -> {
            for (int group : leader.groups()) {
              callback.call(leader.isLeaderReady(group) ? 1 : 0, Integer.toString(group));
            }
          })
          .register(registry);
    }
    return new AlertmanagerReplication(node, new ReplicatedAlertmanagerState(placement, replicationOptions, node));
  }

  /**
   * The receivers each tenant's notifications go to (issue 16 item 4): webhook, email, Slack, PagerDuty and MS Teams,
   * with Mimir's per-tenant rate limit and receiver firewall (flags, overridden in the runtime config).
   */
  private SenderFactory alertmanagerSenders() {
    String externalUrl = options.alertmanager.externalUrl.isEmpty()
        ? "http://localhost:" + options.server.httpListenPort + options.alertmanager.httpPrefix
        : options.alertmanager.externalUrl;
    io.narthex.alertmanager.notify.NotifyLimits defaults = options.limits.alertmanagerNotifyLimits();
    return new io.narthex.alertmanager.notify.Integrations(new io.narthex.alertmanager.notify.Integrations.Settings(
        externalUrl, tenant -> runtimeConfig.notifyLimits(tenant, defaults)), registry);
  }

  private Service distributor() {
    List<ShardWriter> shardWriters = new ArrayList<>();
    distributor = newDistributor(shardWriters);
    http.route().path("/api/v1/push").maxRequestLength(2L * options.distributor.maxRecvMsgSizeBytes + (1 << 20)).build(
        new PushHandler(distributor, options.tenantResolver(), options.distributor.maxRecvMsgSizeBytes,
            new InflightPushes(options.distributor.maxInflightPushRequests,
                options.distributor.maxInflightPushRequestsBytes())));
    if (options.server.adminRoutesEnabled && !targets.contains(Target.INGESTER)) {
      // Mimir's distributors serve the ring page too; an ingester in this process serves it otherwise.
      http.route().get("/ingester/ring").build((ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON,
          HttpData.wrap(ring.state().toJsonBytes())));
    }
    return Service.of(this::followRing, () -> {
      shardWriters.forEach(ShardWriter::close);
      stopFollowingRing();
    });
  }

  /**
   * Starts polling the ring group, once, in a process without the ingester (whose replica of the ring group keeps
   * {@link #ring} up to date itself).
   */
  synchronized void followRing() {
    if (ringPoller == null && !targets.contains(Target.INGESTER)) {
      ringPoller = new RingPoller(ring, raftOptions).start(RingPoller.DEFAULT_INTERVAL);
    }
  }

  synchronized void stopFollowingRing() {
    if (ringPoller != null) {
      ringPoller.close();
      ringPoller = null;
    }
  }

  /** A distributor over a writer per shard, which it adds to {@code shardWriters} for the caller to close. */
  private Distributor newDistributor(List<ShardWriter> shardWriters) {
    for (int shard = 0; shard < shardMap.shardCount(); shard++) {
      shardWriters.add(new RaftShardWriter(ring, shard, raftOptions, raftWriterMetrics));
    }
    TenantLimits defaultLimits = new TenantLimits(options.limits.ingestionRate, options.limits.ingestionBurstSize,
        options.limits.maxGlobalSeriesPerUser, options.limits.maxGlobalSeriesPerMetric);
    RuntimeConfig overrides = runtimeConfig;
    return new Distributor(shardWriters, new ValidationLimits(
        options.limits.maxLabelNameLength, options.limits.maxLabelValueLength, options.limits.maxLabelNamesPerSeries,
        options.limits.createGracePeriod.toMillis()), tenant -> overrides.tenantLimits(tenant, defaultLimits),
        new DistributorMetrics(registry));
  }

  /** After a flush in this process: the local store-gateway and querier see the new blocks at once. */
  private void refreshBlockViews() {
    try {
      if (storeGateway != null) {
        storeGateway.syncBlocks();
      }
      if (querier != null) {
        for (String tenant : BucketIndexUpdater.tenants(bucket)) {
          querier.invalidateBlocks(tenant);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(Modules.class)
          .warn("refreshing the block views after a flush failed err=\"{}\"", e.toString());
    }
  }
}
