package io.narthex.ingester;

import com.google.protobuf.ByteString;
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
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import io.narthex.tsdb.chunk.XorChunk;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.ChunkSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.util.List;

/** Serves an {@link Ingester} over gRPC. A bad matcher is INVALID_ARGUMENT; anything else unexpected is INTERNAL. */
public final class IngesterGrpcService extends IngesterGrpc.IngesterImplBase {
  /** Series per streamed message: keeps messages well under gRPC's 4 MiB default. */
  private static final int SERIES_PER_BATCH = 64;

  private final Ingester ingester;

  public IngesterGrpcService(Ingester ingester) {
    this.ingester = ingester;
  }

  @Override
  public void push(PushRequest request, StreamObserver<PushResponse> responseObserver) {
    PushResponse response;
    try {
      response = ingester.push(request);
    } catch (IllegalArgumentException e) {
      responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      responseObserver.onError(Status.INTERNAL.withDescription(e.toString()).withCause(e).asRuntimeException());
      return;
    }
    responseObserver.onNext(response);
    responseObserver.onCompleted();
  }

  @Override
  public void select(SelectRequest request, StreamObserver<SelectResponse> responseObserver) {
    List<ChunkSeries> series;
    try {
      List<Matcher> matchers = ProtoConversions.fromProtoMatchers(request.getMatchersList());
      series = ingester.select(
          request.getTenant(), request.getStartTimestampMs(), request.getEndTimestampMs(), matchers);
    } catch (IllegalArgumentException e) {
      responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      responseObserver.onError(Status.INTERNAL.withDescription(e.toString()).withCause(e).asRuntimeException());
      return;
    }
    SelectResponse.Builder batch = SelectResponse.newBuilder();
    for (ChunkSeries s : series) {
      ChunkedSeries.Builder wire = ChunkedSeries.newBuilder().addAllLabels(ProtoConversions.toProto(s.labels()));
      for (EncodedChunk chunk : s.chunks()) {
        wire.addChunks(Chunk.newBuilder()
            .setMinTimeMs(chunk.minTimeMs())
            .setMaxTimeMs(chunk.maxTimeMs())
            .setEncoding(XorChunk.ENCODING)
            .setData(ByteString.copyFrom(chunk.data())));
      }
      batch.addSeries(wire);
      if (batch.getSeriesCount() == SERIES_PER_BATCH) {
        responseObserver.onNext(batch.build());
        batch = SelectResponse.newBuilder();
      }
    }
    if (batch.getSeriesCount() > 0) {
      responseObserver.onNext(batch.build());
    }
    responseObserver.onCompleted();
  }

  @Override
  public void labelNames(LabelNamesRequest request, StreamObserver<LabelNamesResponse> responseObserver) {
    try {
      List<String> names = ingester.labelNames(
          request.getTenant(),
          request.getStartTimestampMs(),
          request.getEndTimestampMs(),
          ProtoConversions.fromProtoMatchers(request.getMatchersList()));
      responseObserver.onNext(LabelNamesResponse.newBuilder().addAllNames(names).build());
      responseObserver.onCompleted();
    } catch (IllegalArgumentException e) {
      responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void labelValues(LabelValuesRequest request, StreamObserver<LabelValuesResponse> responseObserver) {
    try {
      List<String> values = ingester.labelValues(
          request.getTenant(),
          request.getName(),
          request.getStartTimestampMs(),
          request.getEndTimestampMs(),
          ProtoConversions.fromProtoMatchers(request.getMatchersList()));
      responseObserver.onNext(LabelValuesResponse.newBuilder().addAllValues(values).build());
      responseObserver.onCompleted();
    } catch (IllegalArgumentException e) {
      responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }
}
