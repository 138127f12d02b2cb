package io.narthex.storegateway;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.narthex.ingester.client.ProtoConversions;
import io.narthex.objstore.NoSuchObjectException;
import io.narthex.proto.ingester.Chunk;
import io.narthex.proto.ingester.ChunkedSeries;
import io.narthex.proto.ingester.LabelNamesRequest;
import io.narthex.proto.ingester.LabelNamesResponse;
import io.narthex.proto.ingester.LabelValuesRequest;
import io.narthex.proto.ingester.LabelValuesResponse;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import io.narthex.proto.storegateway.StoreGatewayGrpc;
import io.narthex.tsdb.chunk.XorChunk;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link StoreGateway}'s blocks over the read messages the ingesters use. Every answer lists, in
 * {@code queried_blocks} (on the first message of a stream), the requested blocks this gateway read; the querier
 * asks another gateway for the others. A bad matcher or missing tenant is INVALID_ARGUMENT; a failing bucket or
 * local disk is UNAVAILABLE (another owner of the blocks may answer); a block's object missing from the bucket or
 * anything else unexpected is INTERNAL.
 */
public final class StoreGatewayGrpcService extends StoreGatewayGrpc.StoreGatewayImplBase {
  private static final Logger log = LoggerFactory.getLogger(StoreGatewayGrpcService.class);
  /** Series per streamed message: keeps messages well under gRPC's 4 MiB default. */
  private static final int SERIES_PER_BATCH = 64;

  private final StoreGateway gateway;

  public StoreGatewayGrpcService(StoreGateway gateway) {
    this.gateway = gateway;
  }

  @FunctionalInterface
  private interface Read<T> {
    void run(StreamObserver<T> observer) throws IOException;
  }

  /** Runs a read and maps failures to gRPC statuses. */
  private <T> void answer(String what, String tenant, StreamObserver<T> observer, Read<T> read) {
    try {
      read.run(observer);
      observer.onCompleted();
    } catch (IllegalArgumentException e) {
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (NoSuchObjectException e) {
      log.warn("store-gateway {}: {} of tenant {}: a block's object is missing", gateway.instanceId(), what, tenant, e);
      observer.onError(Status.INTERNAL
          .withDescription("store-gateway " + gateway.instanceId() + ": block object missing in the bucket: "
              + e.getMessage())
          .asRuntimeException());
    } catch (IOException | UncheckedIOException | IllegalStateException e) {
      log.warn("store-gateway {}: {} of tenant {} failed", gateway.instanceId(), what, tenant, e);
      observer.onError(Status.UNAVAILABLE
          .withDescription("store-gateway " + gateway.instanceId() + " cannot read blocks: " + e.getMessage())
          .withCause(e)
          .asRuntimeException());
    } catch (RuntimeException e) {
      log.error("store-gateway {}: {} of tenant {} failed", gateway.instanceId(), what, tenant, e);
      observer.onError(Status.INTERNAL
          .withDescription("store-gateway " + gateway.instanceId() + ": " + e)
          .withCause(e)
          .asRuntimeException());
    }
  }

  @Override
  public void select(SelectRequest request, StreamObserver<SelectResponse> responseObserver) {
    answer("select", request.getTenant(), responseObserver, observer -> {
      List<Matcher> matchers = ProtoConversions.fromProtoMatchers(request.getMatchersList());
      BlockQueryResult<List<EncodedSeries>> result = gateway.select(request.getTenant(), request.getBlockIdsList(),
          request.getStartTimestampMs(), request.getEndTimestampMs(), matchers);
      SelectResponse.Builder batch = SelectResponse.newBuilder().addAllQueriedBlocks(result.queriedBlocks());
      boolean first = true;
      // The series API wants labels only: the series were picked by their chunks' time range, which is enough.
      boolean labelsOnly = "series".equals(request.getFunction());
      for (EncodedSeries series : result.value()) {
        batch.addSeries(labelsOnly ? toProto(new EncodedSeries(series.labels(), List.of())) : toProto(series));
        if (batch.getSeriesCount() == SERIES_PER_BATCH) {
          observer.onNext(batch.build());
          batch = SelectResponse.newBuilder();
          first = false;
        }
      }
      if (first || batch.getSeriesCount() > 0) {
        observer.onNext(batch.build());
      }
    });
  }

  static ChunkedSeries toProto(EncodedSeries series) {
    ChunkedSeries.Builder wire = ChunkedSeries.newBuilder().addAllLabels(ProtoConversions.toProto(series.labels()));
    for (EncodedChunk chunk : series.chunks()) {
      wire.addChunks(Chunk.newBuilder()
          .setMinTimeMs(chunk.minTimeMs())
          .setMaxTimeMs(chunk.maxTimeMs())
          .setEncoding(XorChunk.ENCODING)
          .setData(UnsafeByteOperations.unsafeWrap(chunk.data())));
    }
    return wire.build();
  }

  @Override
  public void labelNames(LabelNamesRequest request, StreamObserver<LabelNamesResponse> responseObserver) {
    answer("label names", request.getTenant(), responseObserver, observer -> {
      BlockQueryResult<List<String>> result = gateway.labelNames(request.getTenant(), request.getBlockIdsList(),
          request.getStartTimestampMs(), request.getEndTimestampMs(),
          ProtoConversions.fromProtoMatchers(request.getMatchersList()));
      observer.onNext(LabelNamesResponse.newBuilder()
          .addAllNames(result.value())
          .addAllQueriedBlocks(result.queriedBlocks())
          .build());
    });
  }

  @Override
  public void labelValues(LabelValuesRequest request, StreamObserver<LabelValuesResponse> responseObserver) {
    answer("label values", request.getTenant(), responseObserver, observer -> {
      BlockQueryResult<List<String>> result = gateway.labelValues(request.getTenant(), request.getBlockIdsList(),
          request.getName(), request.getStartTimestampMs(), request.getEndTimestampMs(),
          ProtoConversions.fromProtoMatchers(request.getMatchersList()));
      observer.onNext(LabelValuesResponse.newBuilder()
          .addAllValues(result.value())
          .addAllQueriedBlocks(result.queriedBlocks())
          .build());
    });
  }
}
