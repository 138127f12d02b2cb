package io.narthex.ingester;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.narthex.ingester.client.ProtoConversions;
import io.narthex.proto.ingester.Chunk;
import io.narthex.proto.ingester.ChunkedSeries;
import io.narthex.proto.ingester.IngesterGrpc;
import io.narthex.proto.ingester.LabelNamesRequest;
import io.narthex.proto.ingester.LabelNamesResponse;
import io.narthex.proto.ingester.LabelValuesRequest;
import io.narthex.proto.ingester.LabelValuesResponse;
import io.narthex.proto.ingester.FamilyMetadata;
import io.narthex.proto.ingester.MetricsMetadataRequest;
import io.narthex.proto.ingester.MetricsMetadataResponse;
import io.narthex.proto.ingester.ReplicaState;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import io.narthex.tsdb.chunk.XorChunk;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.util.List;

/**
 * Serves reads of the shard replicas a process holds. Each answer carries the replica's state, so the querier can
 * prefer leaders and say when a follower answered. A shard not held here is NOT_FOUND; a bad matcher is
 * INVALID_ARGUMENT; anything else unexpected is INTERNAL.
 */
public final class IngesterGrpcService extends IngesterGrpc.IngesterImplBase {
  /** Series per streamed message: keeps messages well under gRPC's 4 MiB default. */
  private static final int SERIES_PER_BATCH = 64;

  private final ShardReplicas replicas;

  public IngesterGrpcService(ShardReplicas replicas) {
    this.replicas = replicas;
  }

  /** Runs a read against a local shard and maps failures to gRPC statuses. */
  private <T> void answer(int shard, StreamObserver<T> observer, ShardRead<T> read) {
    ShardHeads ingester = replicas.heads(shard);
    if (ingester == null) {
      observer.onError(Status.NOT_FOUND.withDescription("this ingester holds no replica of shard " + shard)
          .asRuntimeException());
      return;
    }
    try {
      ReplicaState state = replicas.replicaState(shard);
      read.run(ingester, state == null ? ReplicaState.getDefaultInstance() : state, observer);
      observer.onCompleted();
    } catch (IllegalArgumentException e) {
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (RuntimeException e) {
      observer.onError(Status.INTERNAL.withDescription(e.toString()).withCause(e).asRuntimeException());
    }
  }

  @FunctionalInterface
  private interface ShardRead<T> {
    void run(ShardHeads ingester, ReplicaState state, StreamObserver<T> observer);
  }

  /** Prometheus's select hint of the series API: labels only. */
  static final String SERIES_FUNCTION = "series";

  @Override
  public void select(SelectRequest request, StreamObserver<SelectResponse> responseObserver) {
    answer(request.getShard(), responseObserver, (ingester, state, observer) -> {
      List<Matcher> matchers = ProtoConversions.fromProtoMatchers(request.getMatchersList());
      List<EncodedSeries> series = ingester.select(
          request.getTenant(), request.getStartTimestampMs(), request.getEndTimestampMs(), matchers);
      SelectResponse.Builder batch = SelectResponse.newBuilder().setReplica(state);
      // The series API wants labels only: the series were picked by their chunks' time range, which is enough.
      boolean labelsOnly = SERIES_FUNCTION.equals(request.getFunction());
      for (EncodedSeries s : series) {
        ChunkedSeries.Builder wire = ChunkedSeries.newBuilder().addAllLabels(ProtoConversions.toProto(s.labels()));
        for (EncodedChunk chunk : labelsOnly ? List.<EncodedChunk>of() : s.chunks()) {
          wire.addChunks(Chunk.newBuilder()
              .setMinTimeMs(chunk.minTimeMs())
              .setMaxTimeMs(chunk.maxTimeMs())
              .setEncoding(XorChunk.ENCODING)
              .setData(UnsafeByteOperations.unsafeWrap(chunk.data())));
        }
        batch.addSeries(wire);
        if (batch.getSeriesCount() == SERIES_PER_BATCH) {
          observer.onNext(batch.build());
          batch = SelectResponse.newBuilder();
        }
      }
      if (batch.getSeriesCount() > 0 || batch.hasReplica()) {
        observer.onNext(batch.build());
      }
    });
  }

  @Override
  public void labelNames(LabelNamesRequest request, StreamObserver<LabelNamesResponse> responseObserver) {
    answer(request.getShard(), responseObserver, (ingester, state, observer) -> observer.onNext(
        LabelNamesResponse.newBuilder()
            .addAllNames(ingester.labelNames(request.getTenant(), request.getStartTimestampMs(),
                request.getEndTimestampMs(), ProtoConversions.fromProtoMatchers(request.getMatchersList())))
            .setReplica(state)
            .build()));
  }

  @Override
  public void labelValues(LabelValuesRequest request, StreamObserver<LabelValuesResponse> responseObserver) {
    answer(request.getShard(), responseObserver, (ingester, state, observer) -> observer.onNext(
        LabelValuesResponse.newBuilder()
            .addAllValues(ingester.labelValues(request.getTenant(), request.getName(),
                request.getStartTimestampMs(), request.getEndTimestampMs(),
                ProtoConversions.fromProtoMatchers(request.getMatchersList())))
            .setReplica(state)
            .build()));
  }

  @Override
  public void metricsMetadata(MetricsMetadataRequest request,
      StreamObserver<MetricsMetadataResponse> responseObserver) {
    answer(request.getShard(), responseObserver, (ingester, state, observer) -> {
      MetricsMetadataResponse.Builder response = MetricsMetadataResponse.newBuilder().setReplica(state);
      for (ShardMetadata.Family family : ingester.metadata(request.getTenant(), request.getMetric())) {
        FamilyMetadata.Builder wire = FamilyMetadata.newBuilder().setMetricFamilyName(family.name());
        for (ShardMetadata.Entry entry : family.entries()) {
          wire.addMetadata(MetricMetadata.newBuilder().setTypeValue(entry.type()).setHelp(entry.help())
              .setUnit(entry.unit()).setMetricFamilyName(family.name()));
        }
        response.addFamilies(wire);
      }
      observer.onNext(response.build());
    });
  }
}
