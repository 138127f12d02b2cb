package io.narthex.distributor;

import com.dynatrace.hash4j.hashing.Hashing;
import io.narthex.common.ErrorId;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.ingester.client.WireFields;
import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  private final TenantLimits.Source tenantLimits;
  private final IngestionRateLimiter rateLimiter = new IngestionRateLimiter(System::nanoTime);
  private final DistributorMetrics metrics;
  private final InactiveTenants inactiveTenants;
  private final SeriesCounts seriesCounts;
  /** Scratch of finished pushes; as many as pushes ran at once, at most 16 kept. */
  private final java.util.concurrent.ArrayBlockingQueue<PushScratch> scratches =
      new java.util.concurrent.ArrayBlockingQueue<>(16);

  /** A distributor without per-tenant limits. */
  public Distributor(List<ShardWriter> shards, ValidationLimits limits) {
    this(shards, limits, tenant -> TenantLimits.unlimited());
  }

  /**
   * @param shards one writer per shard; a series always goes to the same shard while the list is unchanged
   * @param tenantLimits each tenant's limits, read on every push so that runtime-config changes apply at once
   */
  public Distributor(List<ShardWriter> shards, ValidationLimits limits, TenantLimits.Source tenantLimits) {
    this(shards, limits, tenantLimits, new DistributorMetrics(new PrometheusRegistry()));
  }

  /**
   * As {@link #Distributor(List, ValidationLimits, TenantLimits.Source)}, counting into {@code metrics}, the
   * process's.
   */
  public Distributor(List<ShardWriter> shards, ValidationLimits limits, TenantLimits.Source tenantLimits,
      DistributorMetrics metrics) {
    if (shards.isEmpty()) {
      throw new IllegalArgumentException("the distributor needs at least one ingester");
    }
    this.shards = List.copyOf(shards);
    this.validator = new SeriesValidator(limits);
    this.limits = limits;
    this.tenantLimits = tenantLimits;
    this.seriesCounts = new SeriesCounts(this.shards, System::nanoTime);
    this.metrics = metrics;
    this.inactiveTenants = new InactiveTenants(System::nanoTime, Duration.ofHours(1), metrics::forgetTenant);
  }

  DistributorMetrics metrics() {
    return metrics;
  }

  /** As {@link #push(String, byte[])} for a decoded request. */
  public PushResult push(String tenant, WriteRequest request) {
    return push(tenant, request.toByteArray());
  }

  /**
   * Pushes an encoded remote-write {@code WriteRequest} (uncompressed). A valid series is passed on as the bytes the
   * sender encoded; only a series that must change (empty label values, exemplars, samples too far in the future) or
   * that fails validation is decoded.
   *
   * @return what was accepted and, for client faults, the reasons (then the caller answers 400)
   * @throws MalformedRequestException when the body is not a valid WriteRequest; nothing was sent then
   * @throws LimitExceededException when the tenant is over its ingestion rate; nothing was sent then. A new series
   *     past the tenant's global series limits is one of the returned errors, as Mimir's
   * @throws IngesterUnavailableException when a shard failed: a server fault, the sender should retry
   */
  public PushResult push(String tenant, byte[] body) {
    return push(tenant, body, body.length);
  }

  /**
   * As {@link #push(String, byte[])} for the request at {@code body[0, length)}, which may be a buffer the caller
   * reuses once this returns: nothing keeps a reference to it.
   */
  public PushResult push(String tenant, byte[] body, int length) {
    PushScratch scratch = scratches.poll();
    if (scratch == null) {
      scratch = new PushScratch();
    }
    try {
      return push(tenant, body, length, scratch);
    } finally {
      // Kept without the caller's body, which may be large.
      scratch.request.reset(NO_BYTES, 0, 0);
      scratch.wire.reset(NO_BYTES, 0, 0);
      scratch.recycleEntries();
      scratches.offer(scratch);
    }
  }

  private static final byte[] NO_BYTES = new byte[0];

  /**
   * The cursors and entry buffers of one push, kept for the next one: a push then allocates its entries, and for
   * series that must change their new bytes, but nothing per series sent as received.
   */
  private static final class PushScratch {
    final WireFields request = new WireFields(4);
    final WireTimeSeries wire = new WireTimeSeries();
    final PushEntryBuilder.Scratch entries = new PushEntryBuilder.Scratch();
    private final List<PushEntryBuilder> entriesInUse = new ArrayList<>();
    private final List<PushEntryBuilder> spareEntries = new ArrayList<>();

    /** An empty entry of {@code tenant}: a spare one when the scratch has one. */
    PushEntryBuilder newEntry(String tenant) {
      PushEntryBuilder entry = spareEntries.isEmpty() ? new PushEntryBuilder(tenant)
          : spareEntries.removeLast().reset(tenant);
      entriesInUse.add(entry);
      return entry;
    }

    /** Keeps the push's entries, emptied, for the next push: at most 64. */
    void recycleEntries() {
      for (PushEntryBuilder entry : entriesInUse) {
        if (spareEntries.size() < 64) {
          spareEntries.add(entry.reset(""));
        }
      }
      entriesInUse.clear();
    }
  }

  private PushResult push(String tenant, byte[] body, int bodyLength, PushScratch scratch) {
    int shardCount = shards.size();
    WireFields request;
    try {
      request = scratch.request.reset(body, 0, bodyLength);
    } catch (IllegalArgumentException e) {
      throw new MalformedRequestException(e.getMessage(), e);
    }
    TenantLimits tenantLimits = this.tenantLimits.of(tenant);
    boolean seriesLimited = tenantLimits.maxGlobalSeriesPerUser() > 0 || tenantLimits.maxGlobalSeriesPerMetric() > 0;
    boolean metricLimited = tenantLimits.maxGlobalSeriesPerMetric() > 0;
    // Series sent per metric name, per entry and in all, when the tenant has a per-metric limit.
    List<List<Map<String, Integer>>> metricsPerEntry = new ArrayList<>(shardCount);
    Map<String, Integer> metricsSent = new HashMap<>();
    // Per shard, the entries to send, each at most MAX_ENTRY_BYTES; an entry's series index names a rejection's
    // series.
    List<List<PushEntryBuilder>> perShard = new ArrayList<>(shardCount);
    for (int i = 0; i < shardCount; i++) {
      perShard.add(new ArrayList<>());
      metricsPerEntry.add(new ArrayList<>());
    }
    List<String> errors = new ArrayList<>();
    // For each error, the request series it rejects (NO_SERIES when none).
    List<Integer> errorSeries = new ArrayList<>();
    // Series re-encoded by decodeAndFix, by identity of their new bytes, to name an ingester's rejection of one.
    Map<byte[], Integer> reencoded = null;
    long receivedSamples = 0;
    long validSamples = 0;
    long maxTimestampMs = System.currentTimeMillis() + limits.createGracePeriodMs();
    WireTimeSeries wire = scratch.wire;
    ShardHash shardHash = new ShardHash(tenant, shardCount);
    int seriesCount = request.count(1);
    for (int index = 0; index < seriesCount; index++) {
      byte[] buf = body;
      int offset = request.offset(1, index);
      int length = request.length(1, index);
      try {
        wire.reset(buf, offset, length);
      } catch (IllegalArgumentException e) {
        throw new MalformedRequestException("time series " + index + ": " + e.getMessage(), e);
      }
      receivedSamples += wire.sampleCount();
      if (!validator.isClean(wire, maxTimestampMs)) {
        TimeSeries sent = decodeAndFix(tenant, wire, maxTimestampMs, errors);
        nameSeries(errorSeries, errors.size(), index);
        if (sent == null) {
          continue;
        }
        buf = sent.toByteArray();
        if (reencoded == null) {
          reencoded = new java.util.IdentityHashMap<>();
        }
        reencoded.put(buf, index);
        offset = 0;
        length = buf.length;
        wire.reset(buf, offset, length);
      }
      if (wire.sampleCount() == 0) {
        continue;
      }
      if (length > ShardWriter.MAX_ENTRY_BYTES - 1024) {
        errors.add(ErrorId.SERIES_TOO_LARGE.format(
            "received a series of %d bytes with %d samples, over the %d bytes one log entry holds, series: '%s'",
            length, wire.sampleCount(), ShardWriter.MAX_ENTRY_BYTES - 1024, SeriesValidator.describe(labelsOf(wire))));
        nameSeries(errorSeries, errors.size(), index);
        continue;
      }
      int shard = shardHash.shardOf(wire);
      List<PushEntryBuilder> entries = perShard.get(shard);
      String metric = metricLimited ? metricName(wire) : null;
      // The entry's SeriesLimits is encoded at the end; its size is reserved as series are added.
      List<Map<String, Integer>> entryMetrics = metricsPerEntry.get(shard);
      int limitsBytes = metric == null || entries.isEmpty() || entryMetrics.getLast().containsKey(metric) ? 0
          : SeriesCounts.metricBytes(metric);
      if (entries.isEmpty() || (entries.getLast().seriesCount() > 0
          && entries.getLast().sizeWith(length + limitsBytes) > ShardWriter.MAX_ENTRY_BYTES)) {
        entries.add(scratch.newEntry(tenant));
        if (seriesLimited) {
          entries.getLast().reserve(SeriesCounts.LIMITS_BASE_BYTES);
        }
        entryMetrics.add(new HashMap<>());
        limitsBytes = metric == null ? 0 : SeriesCounts.metricBytes(metric);
      }
      entries.getLast().add(buf, offset, length);
      if (metric != null) {
        entries.getLast().reserve(limitsBytes);
        entryMetrics.getLast().merge(metric, 1, Integer::sum);
        metricsSent.merge(metric, 1, Integer::sum);
      }
      validSamples += wire.sampleCount();
    }
    addMetadata(tenant, body, request, perShard, metricsPerEntry, seriesLimited, errors, scratch);
    nameSeries(errorSeries, errors.size(), PushResult.NO_SERIES);
    inactiveTenants.seen(tenant);
    metrics.receivedSamples.labelValues(tenant).inc(receivedSamples);
    metrics.receivedMetadata.labelValues(tenant).inc(request.count(3));
    String rateLimited = rateLimiter.tryAcquire(tenant, validSamples, tenantLimits);
    if (rateLimited != null) {
      throw new LimitExceededException(rateLimited);
    }

    List<int[]> shardAndRequest = new ArrayList<>();
    int seriesSent = 0;
    for (int shard = 0; shard < shardCount; shard++) {
      for (int r = 0; r < perShard.get(shard).size(); r++) {
        shardAndRequest.add(new int[] {shard, r});
        seriesSent += perShard.get(shard).get(r).seriesCount();
      }
    }
    SeriesCounts.Tenant counts = seriesLimited ? seriesCounts.refreshed(tenant, metricsSent.keySet()) : null;
    // Near a limit, entries go shard after shard, each capped by the counts the previous ones returned, so that
    // the shards of one request cannot together pass the limit; far from it, even all-new series fit, in parallel.
    boolean sequential = counts != null && mayPassALimit(counts, tenantLimits, seriesSent, metricsSent);
    List<CompletableFuture<PushResponse>> futures = new ArrayList<>();
    if (sequential) {
      counts.nearLimit.lock();
    }
    try {
      for (int[] sr : shardAndRequest) {
        int shard = sr[0];
        PushEntryBuilder entry = perShard.get(shard).get(sr[1]);
        byte[] encoded = entry.build(counts == null ? null
            : counts.capsFor(shard, tenantLimits, metricsPerEntry.get(shard).get(sr[1]).keySet()), scratch.entries);
        CompletableFuture<PushResponse> future = pushTo(shards.get(shard), encoded);
        if (counts != null) {
          future = future.thenApply(response -> {
            counts.update(shard, response, System.nanoTime());
            return response;
          });
        }
        if (sequential) {
          future.exceptionally(e -> null).join();
        }
        futures.add(future);
      }
    } finally {
      if (sequential) {
        counts.nearLimit.unlock();
      }
    }
    long accepted = 0;
    IngesterUnavailableException unavailable = null;
    for (int i = 0; i < futures.size(); i++) {
      int shard = shardAndRequest.get(i)[0];
      int entry = shardAndRequest.get(i)[1];
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
        errorSeries.add(PushResult.NO_SERIES);
      }
      for (SampleError sampleError : response.getErrorsList()) {
        int s = sampleError.getSeriesIndex();
        PushEntryBuilder sent = perShard.get(shard).get(entry);
        wire.reset(sent.buffer(s), sent.offset(s), sent.length(s));
        errors.add(describe(sampleError, labelsOf(wire), tenantLimits));
        errorSeries.add(sent.buffer(s) == body ? seriesAt(request, sent.offset(s)) : reencoded.get(sent.buffer(s)));
      }
    }
    if (unavailable != null) {
      throw unavailable;
    }
    return new PushResult(accepted, errors, errorSeries);
  }

  /** Names {@code series} as what the errors added since the last call reject. */
  private static void nameSeries(List<Integer> errorSeries, int errorCount, int series) {
    while (errorSeries.size() < errorCount) {
      errorSeries.add(series);
    }
  }

  /** The index of the request's series whose bytes start at {@code offset} of the body. */
  private static int seriesAt(WireFields request, int offset) {
    int low = 0;
    int high = request.count(1) - 1;
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (request.offset(1, middle) < offset) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /**
   * Routes the request's metric metadata to the shard of its family (tenant and {@code metric_family_name}, as
   * {@link #shardOfFamily}), so that each family lives on one shard, appended to that shard's last entry when it
   * fits. Help longer than {@link PushEntryBuilder#MAX_HELP_CHARS} is cut, as Mimir cuts it; an entry without a
   * family name, or with a name or unit longer than 1024 characters, is refused with Mimir's errors. Metadata is
   * decoded here, never the series.
   */
  private static void addMetadata(String tenant, byte[] body, WireFields request,
      List<List<PushEntryBuilder>> perShard, List<List<Map<String, Integer>>> metricsPerEntry, boolean seriesLimited,
      List<String> errors, PushScratch scratch) {
    int count = request.count(3);
    long receivedMs = System.currentTimeMillis();
    for (int i = 0; i < count; i++) {
      MetricMetadata metadata;
      try {
        metadata = MetricMetadata.parseFrom(java.nio.ByteBuffer.wrap(body, request.offset(3, i), request.length(3, i)));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new MalformedRequestException("metadata " + i + ": " + e.getMessage(), e);
      }
      String name = metadata.getMetricFamilyName();
      if (name.isEmpty()) {
        errors.add(ErrorId.METADATA_MISSING_METRIC_NAME.format("received a metric metadata with no metric name"));
        continue;
      }
      if (name.length() > MAX_METADATA_CHARS) {
        errors.add(ErrorId.METADATA_METRIC_NAME_TOO_LONG.format(
            "received a metric metadata whose metric name is longer than %d characters, metric name: '%.200s'",
            MAX_METADATA_CHARS, name));
        continue;
      }
      if (metadata.getUnit().length() > MAX_METADATA_CHARS) {
        errors.add(ErrorId.METADATA_UNIT_TOO_LONG.format(
            "received a metric metadata whose unit is longer than %d characters, unit: '%.200s' metric name: '%s'",
            MAX_METADATA_CHARS, metadata.getUnit(), name));
        continue;
      }
      if (metadata.getHelp().length() > PushEntryBuilder.MAX_HELP_CHARS) {
        metadata = metadata.toBuilder().setHelp(PushEntryBuilder.truncateHelp(metadata.getHelp())).build();
      }
      byte[] encoded = metadata.toByteArray();
      int shard = shardOfFamily(tenant, name, perShard.size());
      List<PushEntryBuilder> entries = perShard.get(shard);
      if (entries.isEmpty() || entries.getLast().sizeWithMetadata(encoded.length) > ShardWriter.MAX_ENTRY_BYTES) {
        entries.add(scratch.newEntry(tenant));
        if (seriesLimited) {
          entries.getLast().reserve(SeriesCounts.LIMITS_BASE_BYTES);
        }
        metricsPerEntry.get(shard).add(new HashMap<>());
      }
      entries.getLast().addMetadata(encoded, receivedMs);
    }
  }

  /** Longest metric family name or unit of a metadata entry: Mimir's {@code -validation.max-metadata-length}. */
  static final int MAX_METADATA_CHARS = 1024;

  /**
   * The shard of a metric family's metadata: XXH3 of the family name mixed with XXH3 of the tenant, modulo the
   * shard count, so every entry of a family goes to one shard whichever request carries it.
   */
  static int shardOfFamily(String tenant, String family, int shardCount) {
    if (shardCount == 1) {
      return 0;
    }
    return ShardHash.mix(
        Hashing.xxh3_64().hashCharsToLong(family) ^ Hashing.xxh3_64().hashCharsToLong(tenant), shardCount);
  }

  /**
   * The slow path of one series, built from the cursor rather than parsed, so that a fault in one series (invalid
   * UTF-8, a malformed exemplar) stays in that series: checked with Mimir's messages, empty label values, exemplars and
   * samples too far in the future dropped. Exemplars are counted and dropped without being read.
   *
   * @return the series to store, or null when nothing of it is stored (its errors are added)
   */
  private TimeSeries decodeAndFix(String tenant, WireTimeSeries wire, long maxTimestampMs, List<String> errors) {
    String error = SeriesValidator.invalidUtf8(wire);
    if (error != null) {
      errors.add(error);
      return null;
    }
    TimeSeries.Builder decoded = TimeSeries.newBuilder();
    for (int i = 0; i < wire.labelCount(); i++) {
      decoded.addLabels(Label.newBuilder().setName(wire.name(i)).setValue(wire.value(i)));
    }
    for (int i = 0; i < wire.sampleCount(); i++) {
      decoded.addSamples(Sample.newBuilder().setTimestamp(wire.timestampMs(i)).setValue(wire.sampleValue(i)));
    }
    TimeSeries series = SeriesValidator.dropEmptyLabelValues(decoded.build());
    error = validator.validate(series);
    if (error == null && wire.histogramCount() > 0) {
      error = ErrorId.NATIVE_HISTOGRAM_UNSUPPORTED.format(
          "received %d native histogram samples, which are not supported yet, series: '%s'",
          wire.histogramCount(), SeriesValidator.describe(series.getLabelsList()));
    }
    if (error != null) {
      errors.add(error);
      return null;
    }
    if (wire.exemplarCount() > 0) {
      metrics.discardedExemplars.labelValues(tenant).inc(wire.exemplarCount());
    }
    series = dropFutureSamples(series, maxTimestampMs, errors);
    return series.getSamplesCount() == 0 ? null : series;
  }

  /** Whether sending every series as new could take the tenant past its global limit or a metric past its own. */
  private static boolean mayPassALimit(SeriesCounts.Tenant counts, TenantLimits limits, int seriesSent,
      Map<String, Integer> metricsSent) {
    if (limits.maxGlobalSeriesPerUser() > 0 && counts.series(-1) + seriesSent > limits.maxGlobalSeriesPerUser()) {
      return true;
    }
    for (Map.Entry<String, Integer> metric : metricsSent.entrySet()) {
      if (counts.metricSeries(metric.getKey(), -1) + metric.getValue() > limits.maxGlobalSeriesPerMetric()) {
        return true;
      }
    }
    return false;
  }

  /** The value of {@code __name__}, or "" when the series has none. */
  private static String metricName(WireTimeSeries wire) {
    for (int i = 0; i < wire.labelCount(); i++) {
      if (wire.nameIs(i, io.narthex.tsdb.labels.Labels.METRIC_NAME)) {
        return wire.value(i);
      }
    }
    return "";
  }

  private static List<Label> labelsOf(WireTimeSeries wire) {
    List<Label> labels = new ArrayList<>(wire.labelCount());
    for (int i = 0; i < wire.labelCount(); i++) {
      labels.add(Label.newBuilder().setName(wire.name(i)).setValue(wire.value(i)).build());
    }
    return labels;
  }

  /** The series without samples past the create grace period; one error names the first such sample. */
  private static TimeSeries dropFutureSamples(TimeSeries series, long maxTimestampMs, List<String> errors) {
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
    errors.add(ErrorId.TOO_FAR_IN_FUTURE.format(
        "received a sample whose timestamp is too far in the future, timestamp: %d series: '%s'",
        first, SeriesValidator.describe(series.getLabelsList()))
        + (tooNew > 1 ? " (and " + (tooNew - 1) + " more samples of this series)" : ""));
    return kept.build();
  }

  private static CompletableFuture<PushResponse> pushTo(ShardWriter shard, byte[] entry) {
    try {
      return shard.pushEntry(entry);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The shard of a series whose labels are valid UTF-8, as {@link ShardHash#shardOf}: for tests. */
  static int shardOf(String tenant, WireTimeSeries series, int shardCount) {
    return new ShardHash(tenant, shardCount).shardOf(series);
  }

  private static String describe(SampleError error, List<Label> labels, TenantLimits limits) {
    String timestamp = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(error.getTimestampMs()));
    String seriesText = SeriesValidator.describe(labels);
    String more = error.getRejectedSamples() > 1
        ? " (and " + (error.getRejectedSamples() - 1) + " more samples of this series rejected for the same reason)"
        : "";
    return switch (error.getReason()) {
      case OUT_OF_ORDER -> "the sample has been rejected because another sample with a more recent timestamp has"
          + " already been ingested and out-of-order samples are not allowed ("
          + ErrorId.SAMPLE_OUT_OF_ORDER.id() + "). The affected sample has timestamp " + timestamp
          + " and is from series " + seriesText + more;
      case DUPLICATE_TIMESTAMP -> "the sample has been rejected because another sample with the same timestamp, but a"
          + " different value, has already been ingested (" + ErrorId.SAMPLE_DUPLICATE_TIMESTAMP.id()
          + "). The affected sample has timestamp " + timestamp + " and is from series " + seriesText + more;
      case OUT_OF_BOUNDS -> "the sample has been rejected because its timestamp is too old: that time range has"
          + " already been written to a block in object storage (" + ErrorId.SAMPLE_OUT_OF_BOUNDS.id()
          + "). The affected sample has timestamp " + timestamp + " and is from series " + seriesText + more;
      case TOO_OLD -> "the sample has been rejected because its timestamp is too old: it is more than 1h older than"
          + " the newest sample of the tenant in its shard, and out-of-order samples are not allowed ("
          + ErrorId.SAMPLE_TIMESTAMP_TOO_OLD.id() + "). The affected sample has timestamp " + timestamp
          + " and is from series " + seriesText + more;
      case MAX_SERIES_PER_USER -> ErrorId.MAX_SERIES_PER_USER.format(
          "the series has been rejected because the tenant already has its limit of %d series, counted over every"
              + " shard, and this one would be new; series %s, %d samples not stored",
          limits.maxGlobalSeriesPerUser(), seriesText, error.getRejectedSamples())
          + ". To adjust the related per-tenant limit, configure " + TenantLimits.MAX_SERIES_PER_USER_FLAG
          + ", or the tenant's max_global_series_per_user in the runtime config.";
      case MAX_SERIES_PER_METRIC -> ErrorId.MAX_SERIES_PER_METRIC.format(
          "the series has been rejected because its metric already has the per-metric limit of %d series of the"
              + " tenant, counted over every shard, and this one would be new; series %s, %d samples not stored",
          limits.maxGlobalSeriesPerMetric(), seriesText, error.getRejectedSamples())
          + ". To adjust the related per-tenant limit, configure " + TenantLimits.MAX_SERIES_PER_METRIC_FLAG
          + ", or the tenant's max_global_series_per_metric in the runtime config.";
      default -> "the sample has been rejected for an unknown reason, timestamp " + timestamp + ", series "
          + seriesText + more;
    };
  }

  /**
   * What a push stored and what it did not.
   *
   * @param acceptedSamples samples stored
   * @param errors client-fault reasons, one per rejected series (and one per refused metadata entry or log entry);
   *     empty when everything was accepted
   * @param errorSeries for each of {@code errors}, at the same position, the index in the request's
   *     {@code timeseries} of the series it rejects, or {@link #NO_SERIES} when it names none (metadata, a log
   *     entry an ingester refused whole). One int per error, so bounded as {@code errors} is, by the request's
   *     series and metadata: a caller that pushed many producers' series (the ruler) can tell whose were rejected.
   */
  public record PushResult(long acceptedSamples, List<String> errors, List<Integer> errorSeries) {
    /** An {@link #errorSeries} entry for an error about no single series. */
    public static final int NO_SERIES = -1;
  }

  /** The body is not a valid protobuf WriteRequest: a client fault. */
  public static final class MalformedRequestException extends RuntimeException {
    MalformedRequestException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The tenant is over one of its {@link TenantLimits}: a client fault, answered 429, retried later. */
  public static final class LimitExceededException extends RuntimeException {
    LimitExceededException(String message) {
      super(message);
    }
  }

  /** A shard could not take its part of the request: a server fault. */
  public static final class IngesterUnavailableException extends RuntimeException {
    IngesterUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
