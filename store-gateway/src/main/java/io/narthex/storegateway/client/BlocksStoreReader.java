package io.narthex.storegateway.client;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.narthex.blocks.BucketIndex;
import io.narthex.ingester.client.ProtoConversions;
import io.narthex.objstore.Bucket;
import io.narthex.proto.ingester.Chunk;
import io.narthex.proto.ingester.ChunkedSeries;
import io.narthex.proto.ingester.LabelNamesRequest;
import io.narthex.proto.ingester.LabelNamesResponse;
import io.narthex.proto.ingester.LabelValuesRequest;
import io.narthex.proto.ingester.LabelValuesResponse;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import io.narthex.proto.storegateway.StoreGatewayGrpc;
import io.narthex.proto.prompb.LabelMatcher;
import io.narthex.storegateway.StoreGatewayConfig;
import io.narthex.common.HashRing;
import io.narthex.storegateway.Uninterruptibles;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.SeriesMerger;
import io.narthex.tsdb.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import io.narthex.tsdb.storage.QueryDeadline;
import java.util.concurrent.TimeUnit;

/**
 * The querier's reader of blocks in object storage, through the store-gateways (Mimir's
 * {@code BlocksStoreQueryable}). It reads the tenant's bucket index (cached, refreshed after
 * {@link #BUCKET_INDEX_REFRESH}), picks the blocks overlapping the query's time range that are not marked for
 * deletion, and asks each block's first owner by the ring, all gateways in parallel. Blocks a gateway did not
 * report as queried, and all blocks of a gateway that failed, are asked of their next owner (Mimir's consistency
 * check), then of the other gateways the reader has a channel to: while the ring changes ({@link #updateRing}), a
 * block's new owner may not have loaded it yet while its old owner still serves it, and this reader's ring may be
 * ahead of or behind the gateways'. (A block uploaded within the upload grace is asked of its owners only: it may be
 * missing without failing the query.) A block that no gateway read fails the query with
 * {@link StoreGatewayUnavailableException}: never a silently partial answer.
 */
public final class BlocksStoreReader {
  /** By default, how long a tenant's bucket index is used before it is read again (in the background). */
  public static final Duration BUCKET_INDEX_REFRESH = Duration.ofMinutes(1);
  /** How long a tenant's bucket index may be used at most when reading it again keeps failing. */
  public static final Duration BUCKET_INDEX_EXPIRY = Duration.ofMinutes(10);
  /** The least upload grace a process uses, whatever its refresh interval. */
  public static final Duration MIN_UPLOAD_GRACE = Duration.ofSeconds(10);

  /** The ring and the channels of the gateways asked, swapped whole by {@link #updateRing}. */
  private volatile Routing routing;
  private final Duration ignoreDeletionMarksDelay;
  /**
   * Blocks uploaded this recently may be missing from the gateways (not synced yet) without failing the query, as
   * in Mimir's consistency check: their data is still in the ingesters or in the blocks they replace.
   */
  private final Duration uploadGrace;
  private final Duration timeout;
  /** Past this age a cached index is read again before use: after an idle spell, its blocks may be gone. */
  private final Duration maxIndexAge;
  private final LoadingCache<String, LoadedIndex> bucketIndexes;

  /**
   * @param channelsByGatewayId a channel to each gateway of the ring, and to gateways that left it and may still
   *     serve blocks they owned
   * @param gatewayIds the keys of {@code channelsByGatewayId}, sorted
   */
  private record Routing(HashRing ring, Map<String, ManagedChannel> channelsByGatewayId, List<String> gatewayIds) {
    static Routing of(HashRing ring, Map<String, ManagedChannel> channelsByGatewayId) {
      return new Routing(ring, Map.copyOf(channelsByGatewayId),
          List.copyOf(new TreeSet<>(channelsByGatewayId.keySet())));
    }

    /**
     * The gateways to ask for a block, best first: its owners, then, unless the block may be missing anyway, every
     * other gateway in id order.
     */
    List<String> candidates(String blockId, boolean mayBeMissing) {
      List<String> owners = ring.owners(blockId);
      if (mayBeMissing) {
        return owners;
      }
      List<String> out = new ArrayList<>(owners);
      for (String gateway : gatewayIds) {
        if (!owners.contains(gateway)) {
          out.add(gateway);
        }
      }
      return out;
    }
  }

  /** A tenant's bucket index (empty when it has none) and when it was read. */
  private record LoadedIndex(Optional<BucketIndex> index, long loadedAtNanos) {}

  /**
   * @param bucket the blocks bucket, read for the tenants' bucket indexes
   * @param channelsByGatewayId a channel to each gateway of the ring; not closed here
   * @param timeout deadline of each call to a gateway
   */
  public BlocksStoreReader(Bucket bucket, HashRing ring, Map<String, ManagedChannel> channelsByGatewayId,
      Duration timeout) {
    this(bucket, ring, channelsByGatewayId, timeout, BUCKET_INDEX_REFRESH);
  }

  /**
   * @param bucketIndexRefresh how long a tenant's bucket index is used before it is read again, in the background
   *     (Mimir's queriers follow {@code -blocks-storage.bucket-store.sync-interval})
   */
  public BlocksStoreReader(Bucket bucket, HashRing ring, Map<String, ManagedChannel> channelsByGatewayId,
      Duration timeout, Duration bucketIndexRefresh) {
    this(bucket, ring, channelsByGatewayId, timeout, bucketIndexRefresh,
        StoreGatewayConfig.DEFAULT_IGNORE_DELETION_MARKS_DELAY);
  }

  /**
   * @param ignoreDeletionMarksDelay blocks marked for deletion are still read this long after their mark, as the
   *     store-gateways keep them (Mimir's {@code -blocks-storage.bucket-store.ignore-deletion-marks-delay})
   */
  public BlocksStoreReader(Bucket bucket, HashRing ring, Map<String, ManagedChannel> channelsByGatewayId,
      Duration timeout, Duration bucketIndexRefresh, Duration ignoreDeletionMarksDelay) {
    this(bucket, ring, channelsByGatewayId, timeout, bucketIndexRefresh, ignoreDeletionMarksDelay, Duration.ZERO);
  }

  /**
   * @param minUploadGrace the least upload grace (otherwise twice {@code bucketIndexRefresh}): gateways under load
   *     may sync later than their interval; {@link #MIN_UPLOAD_GRACE} in production, zero in strict tests
   */
  public BlocksStoreReader(Bucket bucket, HashRing ring, Map<String, ManagedChannel> channelsByGatewayId,
      Duration timeout, Duration bucketIndexRefresh, Duration ignoreDeletionMarksDelay, Duration minUploadGrace) {
    this.ignoreDeletionMarksDelay = ignoreDeletionMarksDelay;
    Duration grace = bucketIndexRefresh.multipliedBy(2);
    this.uploadGrace = grace.compareTo(minUploadGrace) >= 0 ? grace : minUploadGrace;
    this.routing = Routing.of(ring, channelsByGatewayId);
    this.timeout = timeout;
    this.maxIndexAge = bucketIndexRefresh.multipliedBy(2);
    this.bucketIndexes = Caffeine.newBuilder()
        .refreshAfterWrite(bucketIndexRefresh)
        .expireAfterWrite(BUCKET_INDEX_EXPIRY.compareTo(bucketIndexRefresh.multipliedBy(2)) > 0
            ? BUCKET_INDEX_EXPIRY : bucketIndexRefresh.multipliedBy(2))
        .build(tenant -> {
          try {
            return new LoadedIndex(BucketIndex.read(bucket, tenant), System.nanoTime());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /**
   * The cached index, read again first when older than {@link #maxIndexAge} (a refresh in the background would
   * serve the old one once more, listing blocks the compactor may have deleted since); the old one when that read
   * fails.
   */
  private Optional<BucketIndex> bucketIndex(String tenant) {
    LoadedIndex loaded = bucketIndexes.get(tenant);
    if (System.nanoTime() - loaded.loadedAtNanos() > maxIndexAge.toNanos()) {
      try {
        loaded = bucketIndexes.refresh(tenant).join();
      } catch (CompletionException e) {
        // The bucket is failing: the old index is better than no answer, until it expires.
      }
    }
    return loaded.index();
  }

  /**
   * Follows a change of the store-gateway ring: queries from now on ask each block of its owners by {@code ring}
   * first. Queries already running finish on the ring they started with.
   *
   * @param channelsByGatewayId a channel to each gateway of {@code ring}, and to any that left it recently: it may
   *     still serve the blocks it owned until their new owners have loaded them; not closed here
   */
  public void updateRing(HashRing ring, Map<String, ManagedChannel> channelsByGatewayId) {
    routing = Routing.of(ring, channelsByGatewayId);
  }

  /** The gateways of the ring now, in ring order. */
  public List<String> ringMembers() {
    return routing.ring().instanceIds();
  }

  /** Forgets the cached bucket index of {@code tenant}: the next read loads it again. */
  public void invalidate(String tenant) {
    bucketIndexes.invalidate(tenant);
  }

  /**
   * The tenant's series matching {@code matchers} with whole chunks overlapping {@code [minTimeMs, maxTimeMs]},
   * sorted by labels; a series in several blocks is one series with all their chunks sorted by start time (chunks
   * of overlapping blocks may overlap).
   *
   * @throws StoreGatewayUnavailableException when some block could not be read
   * @throws StorageException when the bucket index cannot be read
   */
  public List<EncodedSeries> select(String tenant, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    return select(tenant, minTimeMs, maxTimeMs, matchers, "");
  }

  /**
   * As {@link #select(String, long, long, List)}, with Prometheus's select hint {@code function}: for
   * {@code "series"} the store-gateways answer labels without chunks.
   */
  public List<EncodedSeries> select(String tenant, long minTimeMs, long maxTimeMs, List<Matcher> matchers,
      String function) {
    SelectRequest template = SelectRequest.newBuilder()
        .setTenant(tenant)
        .setFunction(function)
        .setStartTimestampMs(minTimeMs)
        .setEndTimestampMs(maxTimeMs)
        .addAllMatchers(ProtoConversions.toProtoMatchers(matchers))
        .build();
    List<List<SelectResponse>> answers = fanOut(tenant, minTimeMs, maxTimeMs, (stub, blocks) -> {
      List<SelectResponse> responses = new ArrayList<>();
      stub.select(template.toBuilder().addAllBlockIds(blocks).build()).forEachRemaining(responses::add);
      List<String> queried = responses.isEmpty() ? List.of() : responses.getFirst().getQueriedBlocksList();
      return new Answer<>(responses, queried);
    });
    List<List<EncodedSeries>> perResponse = new ArrayList<>();
    for (List<SelectResponse> responses : answers) {
      for (SelectResponse response : responses) {
        List<EncodedSeries> series = new ArrayList<>(response.getSeriesCount());
        for (ChunkedSeries wire : response.getSeriesList()) {
          List<EncodedChunk> chunks = new ArrayList<>(wire.getChunksCount());
          for (Chunk chunk : wire.getChunksList()) {
            chunks.add(new EncodedChunk(chunk.getMinTimeMs(), chunk.getMaxTimeMs(), chunk.getData().toByteArray()));
          }
          series.add(new EncodedSeries(ProtoConversions.labelsOfValidated(wire.getLabelsList()), chunks));
        }
        perResponse.add(series);
      }
    }
    return SeriesMerger.merge(perResponse);
  }

  /**
   * The sorted label names of the tenant's series matching {@code matchers} in the blocks overlapping the range.
   *
   * @throws StoreGatewayUnavailableException when some block could not be read
   */
  public List<String> labelNames(String tenant, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    List<LabelMatcher> wireMatchers = ProtoConversions.toProtoMatchers(matchers);
    List<List<String>> answers = fanOut(tenant, minTimeMs, maxTimeMs, (stub, blocks) -> {
      LabelNamesResponse response = stub.labelNames(LabelNamesRequest.newBuilder()
          .setTenant(tenant)
          .setStartTimestampMs(minTimeMs)
          .setEndTimestampMs(maxTimeMs)
          .addAllMatchers(wireMatchers)
          .addAllBlockIds(blocks)
          .build());
      return new Answer<>(response.getNamesList(), response.getQueriedBlocksList());
    });
    return union(answers);
  }

  /**
   * The sorted values of label {@code name} of the tenant's series matching {@code matchers} in the blocks
   * overlapping the range.
   *
   * @throws StoreGatewayUnavailableException when some block could not be read
   */
  public List<String> labelValues(String tenant, String name, long minTimeMs, long maxTimeMs,
      List<Matcher> matchers) {
    List<LabelMatcher> wireMatchers = ProtoConversions.toProtoMatchers(matchers);
    List<List<String>> answers = fanOut(tenant, minTimeMs, maxTimeMs, (stub, blocks) -> {
      LabelValuesResponse response = stub.labelValues(LabelValuesRequest.newBuilder()
          .setTenant(tenant)
          .setName(name)
          .setStartTimestampMs(minTimeMs)
          .setEndTimestampMs(maxTimeMs)
          .addAllMatchers(wireMatchers)
          .addAllBlockIds(blocks)
          .build());
      return new Answer<>(response.getValuesList(), response.getQueriedBlocksList());
    });
    return union(answers);
  }

  private static List<String> union(List<List<String>> answers) {
    TreeSet<String> all = new TreeSet<>();
    for (List<String> answer : answers) {
      all.addAll(answer);
    }
    return List.copyOf(all);
  }

  /** A gateway's answer and the requested blocks it read. */
  private record Answer<T>(T value, List<String> queriedBlocks) {}

  @FunctionalInterface
  private interface GatewayCall<T> {
    Answer<T> call(StoreGatewayGrpc.StoreGatewayBlockingStub stub, List<String> blockIds);
  }

  /**
   * The blocks of the tenant's bucket index overlapping {@code [minTimeMs, maxTimeMs]}, except those marked for
   * deletion longer than the ignore-deletion-marks delay ago.
   */
  List<String> blocksToQuery(String tenant, long minTimeMs, long maxTimeMs) {
    return blocksToQuery(tenant, minTimeMs, maxTimeMs, new HashSet<>());
  }

  /** As {@link #blocksToQuery(String, long, long)}, adding to {@code recent} the blocks within the upload grace. */
  private List<String> blocksToQuery(String tenant, long minTimeMs, long maxTimeMs, Set<String> recent) {
    Optional<BucketIndex> index;
    try {
      index = bucketIndex(tenant);
    } catch (UncheckedIOException | CompletionException e) {
      throw new StorageException("cannot read the bucket index of tenant " + tenant + ": " + e.getCause(), e);
    }
    if (index.isEmpty()) {
      return List.of(); // No blocks shipped yet for the tenant.
    }
    Set<String> markedForDeletion = index.get().markedForDeletionBefore(
        (System.currentTimeMillis() - ignoreDeletionMarksDelay.toMillis()) / 1000);
    long recentAfterMs = System.currentTimeMillis() - uploadGrace.toMillis();
    List<String> blocks = new ArrayList<>();
    for (BucketIndex.Block block : index.get().blocks()) {
      if (block.within(minTimeMs, maxTimeMs) && !markedForDeletion.contains(block.blockId())) {
        blocks.add(block.blockId());
        if (block.uploadedAtSeconds() * 1000 > recentAfterMs) {
          recent.add(block.blockId());
        }
      }
    }
    return blocks;
  }

  /**
   * Asks each block of the range of its first owner, all gateways at once, then asks the blocks left of their next
   * owner, until every block is read or has no owner left.
   */
  private <T> List<T> fanOut(String tenant, long minTimeMs, long maxTimeMs, GatewayCall<T> call) {
    Routing routing = this.routing;
    Map<String, ManagedChannel> channelsByGatewayId = routing.channelsByGatewayId();
    Set<String> recent = new HashSet<>();
    List<String> blocks = blocksToQuery(tenant, minTimeMs, maxTimeMs, recent);
    Set<String> remaining = new LinkedHashSet<>(blocks);
    Map<String, Set<String>> triedGatewaysByBlock = new HashMap<>();
    List<T> answers = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    while (!remaining.isEmpty()) {
      Map<String, List<String>> blocksByGateway = new TreeMap<>();
      for (String block : remaining) {
        Set<String> tried = triedGatewaysByBlock.computeIfAbsent(block, b -> new HashSet<>());
        for (String owner : routing.candidates(block, recent.contains(block))) {
          if (tried.add(owner)) {
            if (channelsByGatewayId.containsKey(owner)) {
              blocksByGateway.computeIfAbsent(owner, g -> new ArrayList<>()).add(block);
              break;
            }
            errors.add(owner + ": no connection to this store-gateway");
          }
        }
      }
      if (blocksByGateway.isEmpty()) {
        break; // The blocks left have no owner left to ask.
      }
      List<Map.Entry<String, List<String>>> round = new ArrayList<>(blocksByGateway.entrySet());
      List<Future<Answer<T>>> futures = new ArrayList<>(round.size());
      try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
        for (Map.Entry<String, List<String>> entry : round) {
          StoreGatewayGrpc.StoreGatewayBlockingStub stub =
              StoreGatewayGrpc.newBlockingStub(channelsByGatewayId.get(entry.getKey()))
                  .withDeadlineAfter(QueryDeadline.remainingMs(timeout.toMillis(), "expanding series"),
                      TimeUnit.MILLISECONDS);
          futures.add(calls.submit(() -> call.call(stub, entry.getValue())));
        }
        for (int i = 0; i < round.size(); i++) {
          String gateway = round.get(i).getKey();
          List<String> requested = round.get(i).getValue();
          Answer<T> answer;
          try {
            answer = getUninterruptibly(futures.get(i));
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
              throw new IllegalArgumentException(e.getStatus().getDescription(), e);
            }
            if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && QueryDeadline.passed()) {
              throw new QueryDeadline.QueryTimeoutException("expanding series");
            }
            errors.add(gateway + ": " + e.getStatus());
            continue;
          }
          answers.add(answer.value());
          Set<String> queried = new HashSet<>(answer.queriedBlocks());
          List<String> missed = new ArrayList<>();
          for (String block : requested) {
            if (queried.contains(block)) {
              remaining.remove(block);
            } else {
              missed.add(block);
            }
          }
          if (!missed.isEmpty()) {
            errors.add(gateway + ": did not hold " + missed);
          }
        }
      }
    }
    remaining.removeAll(recent);
    if (!remaining.isEmpty()) {
      throw new StoreGatewayUnavailableException(tenant, List.copyOf(remaining), errors);
    }
    return answers;
  }

  private static <T> T getUninterruptibly(Future<T> future) {
    try {
      return Uninterruptibles.getUninterruptibly(future);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new StorageException("store-gateway call failed: " + e.getCause(), e.getCause());
    }
  }
}
