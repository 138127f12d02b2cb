package io.narthex.distributor;

import com.dynatrace.hash4j.hashing.Hashing;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Validates a tenant's write request, shards its series by a hash of tenant and label set, and writes each
 * shard's part in parallel. It answers only once every shard has committed its part (for a Raft shard: a quorum
 * holds it). Valid series are stored even when others in the same request fail.
 */
public final class Distributor {
  private final List<ShardWriter> shards;
  private final SeriesValidator validator;
  private final ValidationLimits limits;

  /**
   * @param shards one writer per shard; a series always goes to the same shard while the list is unchanged
   */
  public Distributor(List<ShardWriter> shards, ValidationLimits limits) {
    if (shards.isEmpty()) {
      throw new IllegalArgumentException("the distributor needs at least one ingester");
    }
    this.shards = List.copyOf(shards);
    this.validator = new SeriesValidator(limits);
    this.limits = limits;
  }

  /**
   * Pushes a request.
   *
   * @return what was accepted and, for client faults, the reasons (then the caller answers 400)
   * @throws IngesterUnavailableException when a shard failed: a server fault, the sender should retry
   */
  public PushResult push(String tenant, WriteRequest request) {
    int shardCount = shards.size();
    // Per shard, the requests to send (each at most one Raft log entry) and the series of each, in order, so that
    // a rejection's series index names its series.
    List<List<PushRequest.Builder>> perShard = new ArrayList<>(shardCount);
    List<List<List<TimeSeries>>> sentSeries = new ArrayList<>(shardCount);
    int[] bytesInLast = new int[shardCount];
    for (int i = 0; i < shardCount; i++) {
      perShard.add(new ArrayList<>());
      sentSeries.add(new ArrayList<>());
    }
    List<String> errors = new ArrayList<>();
    long receivedSamples = 0;
    for (TimeSeries original : request.getTimeseriesList()) {
      receivedSamples += original.getSamplesCount();
      TimeSeries series = SeriesValidator.dropEmptyLabelValues(original);
      String error = validator.validate(series);
      if (error == null && series.getHistogramsCount() > 0) {
        error = ValidationError.NATIVE_HISTOGRAM_UNSUPPORTED.format(
            "received %d native histogram samples, which are not supported yet, series: '%s'",
            series.getHistogramsCount(), SeriesValidator.describe(series.getLabelsList()));
      }
      if (error != null) {
        errors.add(error);
        continue;
      }
      series = dropFutureSamples(series, errors);
      if (series.getSamplesCount() == 0) {
        continue;
      }
      int shard = shardOf(tenant, series.getLabelsList(), shardCount);
      TimeSeries sent = series;
      if (series.getExemplarsCount() > 0) {
        DistributorMetrics.DISCARDED_EXEMPLARS.labelValues(tenant).inc(series.getExemplarsCount());
        sent = series.toBuilder().clearExemplars().build();
      }
      int size = sent.getSerializedSize();
      List<PushRequest.Builder> requests = perShard.get(shard);
      if (requests.isEmpty() || bytesInLast[shard] + size > ShardWriter.MAX_ENTRY_BYTES) {
        requests.add(PushRequest.newBuilder().setTenant(tenant));
        sentSeries.get(shard).add(new ArrayList<>());
        bytesInLast[shard] = 0;
      }
      requests.getLast().addTimeseries(sent);
      sentSeries.get(shard).getLast().add(sent);
      bytesInLast[shard] += size;
    }
    DistributorMetrics.RECEIVED_SAMPLES.labelValues(tenant).inc(receivedSamples);
    DistributorMetrics.RECEIVED_METADATA.labelValues(tenant).inc(request.getMetadataCount());

    List<CompletableFuture<PushResponse>> futures = new ArrayList<>();
    List<int[]> shardAndRequest = new ArrayList<>();
    for (int shard = 0; shard < shardCount; shard++) {
      for (int r = 0; r < perShard.get(shard).size(); r++) {
        futures.add(pushTo(shards.get(shard), perShard.get(shard).get(r).build()));
        shardAndRequest.add(new int[] {shard, r});
      }
    }
    long accepted = 0;
    IngesterUnavailableException unavailable = null;
    for (int i = 0; i < futures.size(); i++) {
      int shard = shardAndRequest.get(i)[0];
      PushResponse response;
      try {
        response = futures.get(i).join();
      } catch (CompletionException | java.util.concurrent.CancellationException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        unavailable = new IngesterUnavailableException(
            "failed pushing to " + shards.get(shard).name() + ": " + cause.getMessage(), cause);
        continue;
      }
      accepted += response.getAcceptedSamples();
      if (!response.getInvalidRequest().isEmpty()) {
        errors.add(response.getInvalidRequest());
      }
      List<TimeSeries> sent = sentSeries.get(shard).get(shardAndRequest.get(i)[1]);
      for (SampleError sampleError : response.getErrorsList()) {
        errors.add(describe(sampleError, sent.get(sampleError.getSeriesIndex())));
      }
    }
    if (unavailable != null) {
      throw unavailable;
    }
    return new PushResult(accepted, errors);
  }

  /** The series without samples past the create grace period; one error names the first such sample. */
  private TimeSeries dropFutureSamples(TimeSeries series, List<String> errors) {
    long maxTimestampMs = System.currentTimeMillis() + limits.createGracePeriodMs();
    int tooNew = 0;
    for (int i = 0; i < series.getSamplesCount(); i++) {
      if (series.getSamples(i).getTimestamp() > maxTimestampMs) {
        tooNew++;
      }
    }
    if (tooNew == 0) {
      return series;
    }
    TimeSeries.Builder kept = series.toBuilder().clearSamples();
    long first = Long.MIN_VALUE;
    for (var sample : series.getSamplesList()) {
      if (sample.getTimestamp() <= maxTimestampMs) {
        kept.addSamples(sample);
      } else if (first == Long.MIN_VALUE) {
        first = sample.getTimestamp();
      }
    }
    errors.add(ValidationError.TOO_FAR_IN_FUTURE.format(
        "received a sample whose timestamp is too far in the future, timestamp: %d series: '%s'",
        first, SeriesValidator.describe(series.getLabelsList()))
        + (tooNew > 1 ? " (and " + (tooNew - 1) + " more samples of this series)" : ""));
    return kept.build();
  }

  private static CompletableFuture<PushResponse> pushTo(ShardWriter shard, PushRequest request) {
    try {
      return shard.push(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  static int shardOf(String tenant, List<Label> labels, int shardCount) {
    if (shardCount == 1) {
      return 0;
    }
    var stream = Hashing.xxh3_64().hashStream().putString(tenant);
    for (Label label : labels) {
      stream.putString(label.getName()).putString(label.getValue());
    }
    return (int) Long.remainderUnsigned(stream.getAsLong(), shardCount);
  }

  private static String describe(SampleError error, TimeSeries series) {
    String timestamp = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(error.getTimestampMs()));
    String seriesText = SeriesValidator.describe(series.getLabelsList());
    String more = error.getRejectedSamples() > 1
        ? " (and " + (error.getRejectedSamples() - 1) + " more samples of this series rejected for the same reason)"
        : "";
    return switch (error.getReason()) {
      case OUT_OF_ORDER -> "the sample has been rejected because another sample with a more recent timestamp has"
          + " already been ingested and out-of-order samples are not allowed ("
          + ValidationError.SAMPLE_OUT_OF_ORDER.id() + "). The affected sample has timestamp " + timestamp
          + " and is from series " + seriesText + more;
      case DUPLICATE_TIMESTAMP -> "the sample has been rejected because another sample with the same timestamp, but a"
          + " different value, has already been ingested (" + ValidationError.SAMPLE_DUPLICATE_TIMESTAMP.id()
          + "). The affected sample has timestamp " + timestamp + " and is from series " + seriesText + more;
      case OUT_OF_BOUNDS -> "the sample has been rejected because its timestamp is too old: that time range has"
          + " already been written to a block in object storage (" + ValidationError.SAMPLE_OUT_OF_BOUNDS.id()
          + "). The affected sample has timestamp " + timestamp + " and is from series " + seriesText + more;
      default -> "the sample has been rejected for an unknown reason, timestamp " + timestamp + ", series "
          + seriesText + more;
    };
  }

  /**
   * @param acceptedSamples samples stored
   * @param errors client-fault reasons, one per rejected series; empty when everything was accepted
   */
  public record PushResult(long acceptedSamples, List<String> errors) {}

  /** A shard could not take its part of the request: a server fault. */
  public static final class IngesterUnavailableException extends RuntimeException {
    IngesterUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
