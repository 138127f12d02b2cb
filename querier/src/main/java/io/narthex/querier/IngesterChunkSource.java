package io.narthex.querier;

import io.narthex.ingester.client.ProtoConversions;
import io.narthex.proto.ingester.Chunk;
import io.narthex.proto.ingester.ChunkedSeries;
import io.narthex.proto.ingester.LabelNamesRequest;
import io.narthex.proto.ingester.LabelNamesResponse;
import io.narthex.proto.ingester.LabelValuesRequest;
import io.narthex.proto.ingester.LabelValuesResponse;
import io.narthex.proto.ingester.FamilyMetadata;
import io.narthex.proto.ingester.MetricsMetadataRequest;
import io.narthex.proto.ingester.MetricsMetadataResponse;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import io.narthex.proto.prompb.LabelMatcher;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.SortedSeriesMerge;
import io.narthex.tsdb.storage.QueryDeadline;
import io.narthex.tsdb.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.concurrent.ExecutorService;
import java.util.function.IntFunction;

/**
 * One tenant's view of every ingester shard: each call fans out to all shards in parallel, reading each from one
 * replica ({@link ShardReaders}), and merges the answers, sorted by label set. A shard that no replica answers
 * fails the call with a {@link StorageException}, never a partial answer.
 */
public final class IngesterChunkSource implements ChunkSource, MetadataSource {
  private final ShardReaders shards;
  private final String tenant;
  private final ExecutorService executor;
  private final List<String> warnings;

  /**
   * @param warnings receives warnings for the API answer, such as a shard read from a follower
   */
  public IngesterChunkSource(ShardReaders shards, String tenant, ExecutorService executor, List<String> warnings) {
    this.shards = shards;
    this.tenant = tenant;
    this.executor = executor;
    this.warnings = warnings;
  }

  @Override
  public List<EncodedSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers) {
    SelectRequest.Builder request = SelectRequest.newBuilder()
        .setTenant(tenant)
        .setStartTimestampMs(startMs)
        .setEndTimestampMs(endMs)
        .addAllMatchers(ProtoConversions.toProtoMatchers(matchers));
    if (hints != null) {
      request.setStepMs(hints.stepMs()).setFunction(hints.function()).setRangeMs(hints.rangeMs());
    }
    SelectRequest built = request.build();
    // A shard answers its series sorted by labels, in batches in order, so each shard's list is sorted: merged
    // without a sort.
    List<List<EncodedSeries>> perShard = new ArrayList<>();
    ChunkBytes bytes = new ChunkBytes();
    for (List<SelectResponse> responses : fanOut(
        shard -> shards.read(shard, client -> client.select(built.toBuilder().setShard(shard).build()),
            answer -> answer.isEmpty() ? null : answer.getFirst().getReplica(), warnings))) {
      List<EncodedSeries> series = new ArrayList<>();
      for (SelectResponse response : responses) {
        for (ChunkedSeries wire : response.getSeriesList()) {
          List<EncodedChunk> chunks = new ArrayList<>(wire.getChunksCount());
          for (Chunk chunk : wire.getChunksList()) {
            chunks.add(new EncodedChunk(chunk.getMinTimeMs(), chunk.getMaxTimeMs(), bytes.of(chunk.getData())));
          }
          series.add(new EncodedSeries(ProtoConversions.labelsOfValidated(wire.getLabelsList()), chunks));
        }
      }
      perShard.add(series);
    }
    return SortedSeriesMerge.merge(perShard);
  }

  @Override
  public List<String> labelNames(long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    List<LabelMatcher> wire = ProtoConversions.toProtoMatchers(matchers);
    LabelNamesRequest request = LabelNamesRequest.newBuilder()
        .setTenant(tenant).setStartTimestampMs(minTimeMs).setEndTimestampMs(maxTimeMs).addAllMatchers(wire).build();
    TreeSet<String> names = new TreeSet<>();
    fanOut(shard -> shards.read(shard, client -> client.labelNames(request.toBuilder().setShard(shard).build()),
        LabelNamesResponse::getReplica, warnings)).forEach(r -> names.addAll(r.getNamesList()));
    return new ArrayList<>(names);
  }

  @Override
  public List<String> labelValues(String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    List<LabelMatcher> wire = ProtoConversions.toProtoMatchers(matchers);
    LabelValuesRequest request = LabelValuesRequest.newBuilder()
        .setTenant(tenant).setName(name).setStartTimestampMs(minTimeMs).setEndTimestampMs(maxTimeMs)
        .addAllMatchers(wire).build();
    TreeSet<String> values = new TreeSet<>();
    fanOut(shard -> shards.read(shard, client -> client.labelValues(request.toBuilder().setShard(shard).build()),
        LabelValuesResponse::getReplica, warnings)).forEach(r -> values.addAll(r.getValuesList()));
    return new ArrayList<>(values);
  }

  /**
   * The tenant's metric metadata from every shard (a family lives on one shard, but a resharded cluster may hold it
   * on two): merged by {@link MetadataSource#merge}. Types are Prometheus's lower-case names.
   */
  @Override
  public SortedMap<String, List<Metadata>> metadata(String metric) {
    MetricsMetadataRequest request = MetricsMetadataRequest.newBuilder().setTenant(tenant).setMetric(metric).build();
    List<SortedMap<String, List<Metadata>>> answers = new ArrayList<>();
    for (MetricsMetadataResponse response : fanOut(shard -> shards.read(shard,
        client -> client.metricsMetadata(request.toBuilder().setShard(shard).build()),
        MetricsMetadataResponse::getReplica, warnings))) {
      TreeMap<String, List<Metadata>> answer = new TreeMap<>();
      for (FamilyMetadata family : response.getFamiliesList()) {
        List<Metadata> entries = new ArrayList<>(family.getMetadataCount());
        for (MetricMetadata entry : family.getMetadataList()) {
          entries.add(new Metadata(typeName(entry.getType()), entry.getHelp(), entry.getUnit()));
        }
        answer.put(family.getMetricFamilyName(), entries);
      }
      answers.add(answer);
    }
    return MetadataSource.merge(answers);
  }

  /** Prometheus's name of a remote-write metric type: the enum's name in lower case, "unknown" for others. */
  static String typeName(MetricMetadata.MetricType type) {
    return type == MetricMetadata.MetricType.UNRECOGNIZED ? "unknown" : type.name().toLowerCase(Locale.ROOT);
  }

  private <T> List<T> fanOut(IntFunction<T> readShard) {
    int shardCount = shards.shardCount();
    if (shardCount == 1) {
      return List.of(readShard.apply(0));
    }
    // Futures of the executor, not CompletableFutures: cancelling them interrupts reads the query gave up on.
    List<Future<T>> futures = new ArrayList<>(shardCount);
    for (int shard = 0; shard < shardCount; shard++) {
      int s = shard;
      Supplier<T> read = QueryDeadline.carried(() -> readShard.apply(s));
      futures.add(executor.submit(read::get));
    }
    List<T> out = new ArrayList<>(futures.size());
    try {
      for (Future<T> future : futures) {
        out.add(QueryDeadline.await(future, "expanding series"));
      }
    } catch (CompletionException e) {
      futures.forEach(f -> f.cancel(true));
      throw e.getCause() instanceof StorageException se ? se : new StorageException(e.getMessage(), e);
    } catch (RuntimeException e) {
      futures.forEach(f -> f.cancel(true));
      throw e;
    }
    return out;
  }
}
