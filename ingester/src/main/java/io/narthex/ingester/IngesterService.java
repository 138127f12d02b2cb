package io.narthex.ingester;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.ErrorId;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.common.service.Service;
import io.narthex.ingester.raft.ApplyOptions;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftWriterMetrics;
import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.ingester.shipper.BlockSink;
import io.narthex.ingester.shipper.Shipper;
import io.narthex.ingester.shipper.ShipperOptions;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The ingester of one process: this node's replicas of its shards ({@link IngesterNode}) and the {@link Shipper}
 * that cuts and uploads their blocks, started and stopped together, and the ingester's operator routes
 * ({@code /ingester/flush}, {@code /ingester/shards}, {@code /ingester/ring}).
 */
public final class IngesterService implements Service {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IngesterService.class);

  private final RingView ring;
  private final String nodeId;
  private final Path dataDir;
  private final RaftOptions raftOptions;
  private final ApplyOptions applyOptions;
  private final ShipperOptions shipperOptions;
  private final BlockSink sink;
  private final PrometheusRegistry registry;
  private final RaftWriterMetrics writerMetrics;
  private IngesterNode node;
  private Shipper shipper;
  private java.time.Duration autoJoinRetry;
  private Thread autoJoin;
  /** The auto-join's progress for {@code GET /ingester/ring}: off, running, done, or the last failure. */
  private volatile String autoJoinStatus = "off";

  /**
   * @param dataDir the replicas' Raft and state-machine directories live under it
   * @param sink where cut blocks go (the bucket, then its index)
   */
  public IngesterService(ShardMap shardMap, String nodeId, Path dataDir, RaftOptions raftOptions,
      ApplyOptions applyOptions, ShipperOptions shipperOptions, BlockSink sink) {
    this(shardMap, nodeId, dataDir, raftOptions, applyOptions, shipperOptions, sink, new PrometheusRegistry(),
        new RaftWriterMetrics(new PrometheusRegistry()));
  }

  /**
   * @param registry the process's, where the replicas and the shipper register their metrics
   * @param writerMetrics the process's, shared with its distributor's writers
   */
  public IngesterService(ShardMap shardMap, String nodeId, Path dataDir, RaftOptions raftOptions,
      ApplyOptions applyOptions, ShipperOptions shipperOptions, BlockSink sink, PrometheusRegistry registry,
      RaftWriterMetrics writerMetrics) {
    this(RingView.of(shardMap), nodeId, dataDir, raftOptions, applyOptions, shipperOptions, sink, registry,
        writerMetrics);
  }

  /**
   * @param ring the process's view of the ingester ring, which this node's replica of the ring group updates; the
   *     replicas joined at start are those it holds then
   * @param registry the process's, where the replicas and the shipper register their metrics
   * @param writerMetrics the process's, shared with its distributor's writers
   */
  public IngesterService(RingView ring, String nodeId, Path dataDir, RaftOptions raftOptions,
      ApplyOptions applyOptions, ShipperOptions shipperOptions, BlockSink sink, PrometheusRegistry registry,
      RaftWriterMetrics writerMetrics) {
    this.registry = registry;
    this.writerMetrics = writerMetrics;
    this.ring = ring;
    this.nodeId = nodeId;
    this.dataDir = dataDir;
    this.raftOptions = raftOptions;
    this.applyOptions = applyOptions;
    this.shipperOptions = shipperOptions;
    this.sink = sink;
  }

  /**
   * {@code -ingester.ring.auto-join}: once started, a node that is not in the ring joins it in the background, as
   * {@code POST /ingester/ring/join} does, and retries every {@code retryInterval} until a join succeeds or the
   * service stops. A node the ring holds already (a restart) changes nothing. Call before {@link #start}.
   *
   * @return this service
   */
  public IngesterService withAutoJoin(java.time.Duration retryInterval) {
    this.autoJoinRetry = retryInterval;
    return this;
  }

  @Override
  public void start() throws java.io.IOException {
    node = IngesterNode.start(ring, nodeId, dataDir, raftOptions, applyOptions, registry);
    shipper = new Shipper(node, raftOptions, sink, shipperOptions, dataDir.resolve("shipper"),
        Clock.systemUTC(), registry, writerMetrics);
    shipper.start();
    if (autoJoinRetry != null) {
      autoJoinStatus = "running";
      autoJoin = Thread.ofVirtual().name("ingester-ring-auto-join").start(this::autoJoin);
    }
  }

  private void autoJoin() {
    try {
      if (node.queryRing().hasNode(nodeId)) {
        LOG.info("ingester {} is in the ring already; auto-join has nothing to do", nodeId);
        autoJoinStatus = "done";
        return;
      }
    } catch (java.io.IOException | RuntimeException e) {
      // The ring group may have no leader yet: join() below asks it again, and a join of a member only rebalances.
      LOG.warn("auto-join of ingester {} could not read the ring yet err=\"{}\"", nodeId, e.toString());
    }
    while (!Thread.currentThread().isInterrupted()) {
      try {
        int moves = node.join(MOVE_CATCH_UP_TIMEOUT).size();
        LOG.info("ingester {} joined the ring (auto-join) moves={}", nodeId, moves);
        autoJoinStatus = "done";
        return;
      } catch (java.io.IOException | RuntimeException e) {
        autoJoinStatus = "failed, retrying: " + e.getMessage();
        LOG.warn("auto-join of ingester {} failed, retrying in {} err=\"{}\"", nodeId, autoJoinRetry, e.toString());
      }
      try {
        Thread.sleep(autoJoinRetry);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Every local shard has a leader and has replayed its log, and no replica moving here is catching up. */
  @Override
  public boolean ready() {
    return node != null && node.ready();
  }

  /** Why {@link #ready()} is false, one line per shard ({@link IngesterNode#notReady()}); empty when ready. */
  public java.util.List<String> notReady() {
    return node == null ? java.util.List.of("the ingester has not started its Raft server yet") : node.notReady();
  }

  /** The running replicas; null before {@link #start}. */
  public IngesterNode node() {
    return node;
  }

  /**
   * Binds the operator routes. {@code POST /ingester/flush} cuts and ships everything in the heads (Mimir's): 204
   * when all is in object storage, 503 naming how many blocks wait for it. {@code /ingester/shards} shows this
   * node's replicas, with the series count of the caller's tenant only. {@code GET /ingester/ring} shows the ring as
   * this node's replica of the ring group has applied it, as JSON ({@link io.narthex.ingester.ring.RingState}'s
   * shape, plus {@code ring_leader} and {@code auto_join}: off, running, done, or "failed, retrying: ..."); Mimir
   * serves an HTML page at the same path.
   *
   * @param afterFlush run after a flush, so that readers in this process see the new blocks at once
   * @param executor where a flush runs, off the event loop
   */
  public void bindAdminRoutes(ServerBuilder http, TenantResolver tenantResolver, Runnable afterFlush,
      Executor executor) {
    // POST only: a link or a crawler cannot trigger a flush.
    http.route().post("/ingester/flush").build((ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(() -> {
      Shipper.Result result = shipper.ship(true);
      afterFlush.run();
      return result.blocksPending() == 0
          ? HttpResponse.of(HttpStatus.NO_CONTENT)
          : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8,
              result.blocksShipped() + " blocks shipped, " + result.blocksPending()
                  + " not yet: object storage failed; they stay on local disk and in memory and are retried every "
                  + shipperOptions.interval().toSeconds() + "s\n");
    }, executor)));
    http.route().get("/ingester/ring").build((ctx, req) -> {
      var ring = node.ringView().state().toJson();
      ring.put("ring_leader", node.ringLeader());
      ring.put("auto_join", autoJoinStatus);
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON, JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsBytes(ring));
    });
    // Membership changes run for minutes on a large head: off the event loop, with no request timeout.
    http.route().post("/ingester/ring/join").requestTimeoutMillis(0).build((ctx, req) -> ringChange(executor,
        () -> node.join(MOVE_CATCH_UP_TIMEOUT)));
    http.route().post("/ingester/ring/leave").requestTimeoutMillis(0).build((ctx, req) -> ringChange(executor,
        () -> node.leave(node.nodeId(), MOVE_CATCH_UP_TIMEOUT)));
    http.route().post("/ingester/ring/forget").requestTimeoutMillis(0).build((ctx, req) -> {
      String id = ctx.queryParam("id");
      if (id == null || id.isEmpty() || id.equals(node.nodeId())) {
        return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8,
            ErrorId.INGESTER_RING_INVALID_REQUEST.withId("forget needs ?id=<another ingester's id>; a node leaves "
                + "the ring with POST /ingester/ring/leave") + "\n");
      }
      return ringChange(executor, () -> node.leave(id, MOVE_CATCH_UP_TIMEOUT));
    });
    http.service("/ingester/shards", (ctx, req) -> {
      String tenant;
      try {
        tenant = tenantResolver.resolveIfNamed(req.headers().get(Tenant.HEADER),
            req.headers().get(HttpHeaderNames.AUTHORIZATION));
      } catch (Tenant.InvalidTenantException e) {
        return HttpResponse.of(HttpStatus.valueOf(e.httpStatus()), MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n");
      }
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON, JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsBytes(Map.of("node", node.nodeId(), "replicas", shardsAsSeenBy(tenant))));
    });
  }

  /**
   * How long a join or leave waits for the ring to change while the ring group's leader runs its moves (a new
   * replica catching up, a snapshot install included).
   */
  static final java.time.Duration MOVE_CATCH_UP_TIMEOUT = java.time.Duration.ofMinutes(10);

  /** A ring change that runs moves. */
  private interface RingChange {
    List<io.narthex.ingester.ring.RingState.Move> run() throws java.io.IOException;
  }

  /**
   * Runs {@code change} on {@code executor}: it records the change in the ring group and waits while the ring
   * group's leader runs the moves. 200 with the moves run and the ring after them, 409 when the ring refuses the
   * change as asked (the node is not in the ring, a shard would have nowhere to go), 503 when the ring group or a
   * move failed (moves done so far stay done; the ring group's leader tries again, and {@code GET /ingester/ring}
   * shows the pending moves and {@code last_error}).
   */
  private HttpResponse ringChange(Executor executor, RingChange change) {
    return HttpResponse.of(CompletableFuture.supplyAsync(() -> {
      try {
        var moves = change.run();
        var out = JSON.createObjectNode();
        var moveArray = out.putArray("moves");
        for (var move : moves) {
          moveArray.addObject().put("shard", move.shard()).put("from", move.from()).put("to", move.to());
        }
        out.set("ring", node.queryRing().toJson());
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON, JSON.writerWithDefaultPrettyPrinter()
            .writeValueAsBytes(out));
      } catch (IllegalArgumentException e) {
        return HttpResponse.of(HttpStatus.CONFLICT, MediaType.PLAIN_TEXT_UTF_8,
            ErrorId.INGESTER_RING_CHANGE_REFUSED.withId(e.getMessage()) + "\n");
      } catch (java.io.IOException | RuntimeException e) {
        return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n");
      }
    }, executor));
  }

  /**
   * This node's replicas with the series counts of {@code tenant} only (none when null): the shard facts are the
   * operator's, but which other tenants exist and how large they are is not a caller's business.
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

  /** Stops shipping, hands this node's leaderships to other replicas, then stops the replicas. */
  @Override
  public void stop() {
    if (autoJoin != null) {
      autoJoin.interrupt();
    }
    if (shipper != null) {
      shipper.close();
    }
    if (node != null) {
      node.transferLeadership();
      node.close();
    }
  }
}
