package io.narthex.app;

import io.narthex.blocks.TombstoneStore;
import io.narthex.common.service.Service;
import io.narthex.ingester.client.GrpcIngesterClient;
import io.narthex.ingester.client.IngesterClient;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.objstore.Bucket;
import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.promql.Value;
import io.narthex.querier.ChunkSource;
import io.narthex.querier.FetchLimits;
import io.narthex.querier.IngesterChunkSource;
import io.narthex.querier.MergingQueryable;
import io.narthex.querier.PrometheusApi;
import io.narthex.querier.ShardReaders;
import io.narthex.querier.TenantFederation;
import io.narthex.storegateway.StoreGateway;
import io.narthex.storegateway.client.BlocksStoreReader;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.StorageException;
import io.narthex.tsdb.storage.Tombstone;
import io.narthex.tsdb.storage.Tombstones;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The querier module: clients to every shard's replicas and to the store-gateways, and the Prometheus HTTP API over
 * them (Mimir's querier with its {@code /prometheus} routes). A local ingester or store-gateway is reached
 * in-process.
 */
final class QuerierModule implements Service {
  private final Modules modules;
  private final NarthexOptions options;
  /** The ingesters of each shard as the ring has them; replaced when the ring changes the replicas. */
  private volatile ShardReaders shardReaders;
  private volatile List<List<ShardMap.Node>> readersReplicas;
  private final java.util.function.Consumer<io.narthex.ingester.ring.RingState> ringListener = this::ringChanged;
  private final StoreGatewayChannels storeGatewayChannels;
  /** Keeps the store-gateway ring that of the ingester ring's nodes; null when the config file lists the gateways. */
  private final RingFollower storeGatewayRing;
  private final BlocksStoreReader blocksReader;
  private Engine engine;
  private FetchLimits defaultFetchLimits;

  QuerierModule(Modules modules) {
    this(modules, true);
  }

  /**
   * @param serveApi whether to bind the Prometheus API; false for the ruler's own read path in a process without the
   *     querier target (Mimir's ruler in "internal" mode)
   */
  QuerierModule(Modules modules, boolean serveApi) {
    this.modules = modules;
    this.options = modules.options;
    synchronized (this) {
      ShardMap map = modules.ring.shardMap();
      readersReplicas = replicasOf(map);
      shardReaders = shardReaders(readersReplicas);
    }
    modules.ring.addListener(ringListener);
    storeGatewayChannels = new StoreGatewayChannels(
        (id, address) -> modules.channel(modules.storeGateway != null && id.equals(modules.storeGatewayId), address),
        modules.storeGateways, options.storeGateway.replicationFactor, StoreGateway.DEFAULT_RING_HANDOVER,
        options.querier.queryTimeout);
    blocksReader = new BlocksStoreReader(modules.bucket, storeGatewayChannels.ring(), storeGatewayChannels.channels(),
        options.ingesterClient.timeout, options.storeGateway.bucketStoreSyncInterval,
        options.storeGateway.ignoreDeletionMarksDelay, BlocksStoreReader.MIN_UPLOAD_GRACE);
    storeGatewayChannels.follow(blocksReader);
    storeGatewayRing = modules.storeGatewaysFollowRing
        ? RingFollower.storeGatewayChannels(modules.ring, storeGatewayChannels) : null;
    buildEngine();
    if (serveApi) {
      bindApi();
    }
  }

  private void buildEngine() {
    if (options.limits.maxQueryExpressionSizeBytes < 0) {
      throw new IllegalArgumentException("-query-frontend.max-query-expression-size-bytes must be >= 0 (0 ="
          + " unlimited), got " + options.limits.maxQueryExpressionSizeBytes);
    }
    if (options.querier.defaultEvaluationInterval.toMillis() < 1) {
      throw new IllegalArgumentException("-querier.default-evaluation-interval must be at least 1ms, got "
          + options.querier.defaultEvaluationInterval);
    }
    engine = new Engine(new EngineOptions(options.querier.lookbackDelta, options.querier.maxSamples,
        options.querier.queryTimeout,
        options.querier.defaultEvaluationInterval));
    defaultFetchLimits = new FetchLimits(options.limits.maxFetchedSeriesPerQuery,
        options.limits.maxFetchedChunksPerQuery, options.limits.maxFetchedChunkBytesPerQuery);
  }

  /** The tenant's data as queries read it: ingesters and store-gateways merged, deletions applied, limits on. */
  private Queryable queryable(String tenant, List<String> warnings) {
    return new MergingQueryable(
        new IngesterChunkSource(shardReaders, tenant, modules.executor, warnings), blockSource(tenant),
        options.querier.queryIngestersWithin, options.querier.queryStoreAfter, Clock.systemUTC(), modules.executor,
        tombstonesOf(tenant)).withLimits(modules.runtimeConfig.fetchLimits(tenant, defaultFetchLimits));
  }

  /**
   * An instant query of one tenant over the same read path as the API's, for the ruler.
   *
   * @throws io.narthex.promql.PromQLException when the query fails
   */
  Value instantQuery(String tenant, String expr, long timeMs) {
    return engine.instantQuery(queryable(tenant, new ArrayList<>()), expr, timeMs).value();
  }

  /**
   * An instant query over several tenants read as one, with the API's federation semantics and limits
   * ({@code -tenant-federation.*}, each tenant under its own query limits, no partial result), for a ruler's
   * federated rule group: every series labelled {@code __tenant_id__}, also with one tenant, as Mimir's ruler.
   *
   * @throws io.narthex.promql.PromQLException when the query fails or names more than
   *     {@code -tenant-federation.max-tenants} tenants
   */
  Value instantQuery(List<String> tenants, String expr, long timeMs) {
    List<String> warnings = new ArrayList<>();
    return engine.instantQuery(tenantFederation().queryable(tenants, this::queryable, warnings), expr, timeMs)
        .value();
  }

  private TenantFederation tenantFederation() {
    return new TenantFederation(options.tenantFederation.enabled, options.tenantFederation.maxTenants,
        options.tenantFederation.maxConcurrent);
  }

  private void bindApi() {
    RuntimeConfig overrides = modules.runtimeConfig;
    Bucket bucket = modules.bucket;
    new PrometheusApi(
        engine,
        this::queryable,
        options.tenantResolver(),
        Version.VERSION)
        .withMaxConcurrent(options.querier.maxConcurrentQueries)
        .withTenantFederation(tenantFederation())
        .withMaxFederateSeries(options.querier.maxFederateSeries)
        .withMetadataSource((tenant, warnings) -> new IngesterChunkSource(shardReaders, tenant, modules.executor,
            warnings))
        .withMaxQueryExpressionSizeBytes(
            tenant -> overrides.maxQueryExpressionSizeBytes(tenant, options.limits.maxQueryExpressionSizeBytes))
        .withSeriesDeleter(!options.server.adminRoutesEnabled ? null : (tenant, matchers, startMs, endMs) -> {
          try {
            TombstoneStore.write(bucket, tenant, new Tombstone(matchers, startMs, endMs), Clock.systemUTC());
          } catch (IOException e) {
            throw new StorageException("storing the deletion request failed: " + e.getMessage(), e);
          }
          modules.deletions.invalidate(tenant);
        })
        .bind(modules.http, options.prometheusHttpPrefix);
  }

  /** The tenant's blocks behind the store-gateways, as the querier reads them. */
  private ChunkSource blockSource(String tenant) {
    return new ChunkSource() {
      @Override
      public List<EncodedSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers) {
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

  /** The tenant's deletion requests, cached; a bucket fault fails the query rather than showing deleted data. */
  private Tombstones tombstonesOf(String tenant) {
    try {
      return modules.deletions.get(tenant).tombstones();
    } catch (RuntimeException e) {
      throw new StorageException("reading the deletion requests of tenant " + tenant + " failed: " + e, e);
    }
  }

  /** Forgets the cached block list of {@code tenant}, so the next query reads the bucket index again. */
  void invalidateBlocks(String tenant) {
    blocksReader.invalidate(tenant);
  }

  private static List<List<ShardMap.Node>> replicasOf(ShardMap map) {
    List<List<ShardMap.Node>> out = new ArrayList<>();
    for (int shard = 0; shard < map.shardCount(); shard++) {
      out.add(map.replicas(shard));
    }
    return out;
  }

  private ShardReaders shardReaders(List<List<ShardMap.Node>> replicasPerShard) {
    List<List<IngesterClient>> clients = new ArrayList<>();
    for (List<ShardMap.Node> replicas : replicasPerShard) {
      List<IngesterClient> shardClients = new ArrayList<>();
      for (ShardMap.Node replica : replicas) {
        boolean local = modules.ingester != null && replica.id().equals(options.ingester.instanceId);
        shardClients.add(new GrpcIngesterClient(replica.id() + "@" + replica.grpcAddress(),
            modules.channel(local, replica.grpcAddress()), options.ingesterClient.timeout));
      }
      clients.add(shardClients);
    }
    return new ShardReaders(clients);
  }

  /**
   * On a ring change that moves replicas: queries from now on read the new replicas; the old clients close once the
   * queries already reading them are past their timeout.
   */
  private void ringChanged(io.narthex.ingester.ring.RingState state) {
    List<List<ShardMap.Node>> next = replicasOf(state.shardMap());
    ShardReaders old;
    synchronized (this) {
      if (next.equals(readersReplicas)) {
        return;
      }
      readersReplicas = next;
      old = shardReaders;
      shardReaders = shardReaders(next);
    }
    java.util.concurrent.CompletableFuture.delayedExecutor(options.querier.queryTimeout.toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS).execute(old::close);
  }

  @Override
  public void start() {
    modules.followRing();
  }

  @Override
  public void stop() {
    modules.stopFollowingRing();
    modules.ring.removeListener(ringListener);
    if (storeGatewayRing != null) {
      storeGatewayRing.close();
    }
    shardReaders.close();
    storeGatewayChannels.close();
  }
}
