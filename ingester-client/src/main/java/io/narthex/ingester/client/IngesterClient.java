package io.narthex.ingester.client;

import io.narthex.proto.ingester.LabelNamesRequest;
import io.narthex.proto.ingester.LabelNamesResponse;
import io.narthex.proto.ingester.LabelValuesRequest;
import io.narthex.proto.ingester.LabelValuesResponse;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import java.util.List;

/**
 * Reads from one ingester replica, as the querier sees it. Writes go through the shard's Raft group instead
 * ({@link ShardWriter}).
 *
 * <p>Failures surface as {@link io.grpc.StatusRuntimeException}: the replica is unavailable, a server-side fault.
 */
public interface IngesterClient extends AutoCloseable {
  /** Human-readable address, for logs and errors. */
  String address();

  /** All batches of the streamed answer. */
  List<SelectResponse> select(SelectRequest request);

  LabelNamesResponse labelNames(LabelNamesRequest request);

  LabelValuesResponse labelValues(LabelValuesRequest request);

  /** The tenant's metric metadata the replica's shard holds. */
  io.narthex.proto.ingester.MetricsMetadataResponse metricsMetadata(
      io.narthex.proto.ingester.MetricsMetadataRequest request);

  @Override
  void close();
}
