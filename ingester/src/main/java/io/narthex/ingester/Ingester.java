package io.narthex.ingester;

import io.narthex.ingester.client.WireFields;
import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.ingester.SeriesLimits;
import io.narthex.tsdb.head.AppendResult;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.ChunkSeries;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.head.HeadOptions;
import io.narthex.tsdb.head.HeadSnapshot;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One ingester: an in-memory {@link Head} per tenant. Appends follow Prometheus's rules (see {@link Head}); a
 * rejected sample is reported per series and never stops the rest of the request.
 *
 * <p>Tenants never share a head, so one tenant's reads cannot see another's series.
 */
public final class Ingester {
  private static final int SNAPSHOT_MAGIC = 0x4e584953; // "NXIS"
  private static final int SNAPSHOT_VERSION = 3;
  /**
   * Tenants' heads take samples up to 1h behind their newest one, half the 2h block range, as Prometheus's and
   * Mimir's heads do. Older samples would be cut into no block or stall the shipper; they are {@code TOO_OLD}.
   */
  static final long APPENDABLE_WINDOW_MS = 3_600_000L;

  private final Map<String, Head> heads = new ConcurrentHashMap<>();
  private final HeadOptions headOptions;

  /** Heads without out-of-order samples. */
  public Ingester() {
    this(0);
  }

  /**
   * @param outOfOrderWindowMs how far behind a tenant's newest sample a sample older than its series' newest is
   *     still stored ({@code -ingester.out-of-order-time-window}); 0 for none. Every replica of a shard must use the
   *     same value, as it decides what the log's entries store.
   */
  public Ingester(long outOfOrderWindowMs) {
    this.headOptions = new HeadOptions(HeadOptions.DEFAULT.samplesPerChunk(), APPENDABLE_WINDOW_MS,
        outOfOrderWindowMs);
  }

  /** Reused by the thread applying a shard's log, so that a push allocates nothing per series. */
  private record Cursors(WireFields request, WireTimeSeries series) {}

  private static final ThreadLocal<Cursors> CURSORS =
      ThreadLocal.withInitial(() -> new Cursors(new WireFields(5), new WireTimeSeries()));

  /**
   * Writes every tenant's head: magic {@code NXIS}, version 3, tenant count, then per tenant its name, its minimum
   * valid time and shipped mark (ms) and its head snapshot (tsdb/docs/format/head-snapshot.md), streamed: a head
   * snapshot knows its own end, so no length prefix caps its size. Appends must not run meanwhile.
   */
  public void writeSnapshot(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(SNAPSHOT_MAGIC);
    data.writeInt(SNAPSHOT_VERSION);
    data.writeInt(heads.size());
    for (Map.Entry<String, Head> entry : new TreeMap<>(heads).entrySet()) {
      data.writeUTF(entry.getKey());
      data.writeLong(entry.getValue().minValidTimeMs());
      data.writeLong(entry.getValue().shippedBeforeMs());
      data.flush();
      HeadSnapshot.write(entry.getValue(), out);
    }
    data.flush();
  }

  /**
   * Reads what {@link #writeSnapshot} wrote.
   *
   * @throws IOException when the snapshot is truncated or corrupt
   */
  public static Ingester readSnapshot(InputStream in) throws IOException {
    return readSnapshot(in, 0);
  }

  /**
   * Reads what {@link #writeSnapshot} wrote into an ingester with the given out-of-order window.
   *
   * @throws IOException when the snapshot is truncated or corrupt
   */
  public static Ingester readSnapshot(InputStream in, long outOfOrderWindowMs) throws IOException {
    DataInputStream data = new DataInputStream(in);
    if (data.readInt() != SNAPSHOT_MAGIC) {
      throw new IOException("not an ingester snapshot: bad magic");
    }
    int version = data.readInt();
    if (version < 1 || version > SNAPSHOT_VERSION) {
      throw new IOException("unsupported ingester snapshot version " + version);
    }
    Ingester ingester = new Ingester(outOfOrderWindowMs);
    HeadOptions headOptions = ingester.headOptions;
    int tenants = data.readInt();
    for (int i = 0; i < tenants; i++) {
      String tenant = data.readUTF();
      long minValidTimeMs = version >= 2 ? data.readLong() : Long.MIN_VALUE;
      long shippedBeforeMs = version >= 2 ? data.readLong() : Long.MIN_VALUE;
      Head head;
      if (version >= 3) {
        head = HeadSnapshot.read(data, headOptions);
      } else {
        // Versions 1 and 2 prefixed each head with an int length, which capped a tenant's head at 2 GiB.
        byte[] bytes = new byte[data.readInt()];
        data.readFully(bytes);
        head = HeadSnapshot.read(new ByteArrayInputStream(bytes), headOptions);
      }
      head.setShippedBeforeMs(shippedBeforeMs);
      head.setMinValidTimeMs(minValidTimeMs);
      ingester.heads.put(tenant, head);
    }
    return ingester;
  }

  /** Tenants with a head, sorted. */
  public List<String> tenants() {
    return heads.keySet().stream().sorted().toList();
  }

  /** The tenant's head, or null when it has none. */
  public Head head(String tenant) {
    return heads.get(tenant);
  }

  /** From now on, the tenant's samples before {@code beforeMs} are out of bounds: a block is being cut. */
  public void closeRange(String tenant, long beforeMs) {
    heads.computeIfAbsent(tenant, t -> new Head(headOptions)).setMinValidTimeMs(beforeMs);
  }

  /**
   * Records that the tenant's data before {@code maxTimeMs} is in blocks in object storage (and out of bounds for
   * appends), so that a later {@link #truncate} may drop it.
   */
  public void markShipped(String tenant, long maxTimeMs) {
    heads.computeIfAbsent(tenant, t -> new Head(headOptions)).setShippedBeforeMs(maxTimeMs);
  }

  /**
   * Drops the tenant's chunks that end before {@code beforeMs}, never past the shipped mark; see
   * {@link Head#truncateBefore}. A head left without series is dropped with its metric series, so that tenants
   * that stopped writing (or ids sent once) cost nothing once their data is in blocks. Its time bounds go with it:
   * a later sample for a shipped range makes a block that overlaps, which queries and the compactor merge.
   */
  public int truncate(String tenant, long beforeMs) {
    Head head = heads.get(tenant);
    if (head == null) {
      return 0;
    }
    beforeMs = Math.min(beforeMs, head.shippedBeforeMs());
    if (beforeMs == Long.MIN_VALUE) {
      return 0;
    }
    int removed = head.truncateBefore(beforeMs);
    if (head.numSeries() == 0) {
      heads.remove(tenant);
      IngesterMetrics.MEMORY_SERIES.remove(tenant);
      IngesterMetrics.INGESTED_SAMPLES.remove(tenant);
    } else {
      IngesterMetrics.MEMORY_SERIES.labelValues(tenant).set(head.numSeries());
    }
    return removed;
  }

  /** Series per tenant, for status pages. */
  public Map<String, Long> seriesPerTenant() {
    Map<String, Long> out = new TreeMap<>();
    heads.forEach((tenant, head) -> out.put(tenant, (long) head.numSeries()));
    return out;
  }

  /**
   * Appends every sample of a validated, encoded {@code PushRequest} at {@code buf[offset, offset + length)}, read
   * in place: a sample of a series the head holds allocates nothing. The response counts accepted samples and lists
   * rejections.
   *
   * @throws IllegalArgumentException when the request is malformed, has no tenant or a new series' label set is not
   *     valid; series before the faulty one are stored (the same on every replica). The distributor sends only
   *     series it has parsed and validated.
   */
  public PushResponse pushEncoded(byte[] buf, int offset, int length) {
    Cursors cursors = CURSORS.get();
    WireFields request = cursors.request.reset(buf, offset, length);
    String tenant = request.string(1);
    if (tenant.isEmpty()) {
      throw new IllegalArgumentException("push request without a tenant");
    }
    WireTimeSeries wire = cursors.series;
    int seriesCount = request.count(2);
    Head head = heads.computeIfAbsent(tenant, t -> new Head(headOptions));
    SeriesLimits limits = seriesLimits(request, buf);
    PushResponse.Builder response = null;
    long accepted = 0;
    for (int seriesIndex = 0; seriesIndex < seriesCount; seriesIndex++) {
      wire.reset(buf, request.offset(2, seriesIndex), request.length(2, seriesIndex));
      if (wire.sampleCount() == 0) {
        continue;
      }
      long newestMs = Long.MIN_VALUE;
      for (int i = 0; i < wire.sampleCount(); i++) {
        newestMs = Math.max(newestMs, wire.timestampMs(i));
      }
      // A series none of whose samples the head would take is not created: old samples cannot fill the head.
      MemSeries series = null;
      if (head.bounds(newestMs) == AppendResult.OK) {
        series = limits == null ? head.getOrCreate(wire) : head.get(wire);
        if (series == null) {
          SampleError.Reason overLimit = newSeriesOverLimit(head, wire, limits);
          if (overLimit != null) {
            response = response == null ? PushResponse.newBuilder() : response;
            response.addErrors(sampleError(overLimit, seriesIndex, wire.timestampMs(0), wire.sampleCount()));
            continue;
          }
          series = head.getOrCreate(wire);
        }
      }
      int outOfOrder = 0;
      int duplicate = 0;
      int outOfBounds = 0;
      int tooOld = 0;
      long firstOutOfOrderMs = 0;
      long firstTooOldMs = 0;
      long firstDuplicateMs = 0;
      long firstOutOfBoundsMs = 0;
      for (int i = 0; i < wire.sampleCount(); i++) {
        long timestampMs = wire.timestampMs(i);
        AppendResult result = series == null ? head.bounds(timestampMs)
            : head.append(series, timestampMs, wire.sampleValue(i));
        if (result == AppendResult.OK) {
          accepted++;
        } else if (result == AppendResult.OUT_OF_ORDER) {
          if (outOfOrder++ == 0) {
            firstOutOfOrderMs = timestampMs;
          }
        } else if (result == AppendResult.DUPLICATE_DIFFERENT_VALUE) {
          if (duplicate++ == 0) {
            firstDuplicateMs = timestampMs;
          }
        } else if (result == AppendResult.OUT_OF_BOUNDS) {
          if (outOfBounds++ == 0) {
            firstOutOfBoundsMs = timestampMs;
          }
        } else if (result == AppendResult.TOO_OLD) {
          if (tooOld++ == 0) {
            firstTooOldMs = timestampMs;
          }
        }
      }
      if (outOfBounds + tooOld + outOfOrder + duplicate > 0) {
        if (response == null) {
          response = PushResponse.newBuilder();
        }
        if (outOfBounds > 0) {
          response.addErrors(
              sampleError(SampleError.Reason.OUT_OF_BOUNDS, seriesIndex, firstOutOfBoundsMs, outOfBounds));
        }
        if (tooOld > 0) {
          response.addErrors(sampleError(SampleError.Reason.TOO_OLD, seriesIndex, firstTooOldMs, tooOld));
        }
        if (outOfOrder > 0) {
          response.addErrors(
              sampleError(SampleError.Reason.OUT_OF_ORDER, seriesIndex, firstOutOfOrderMs, outOfOrder));
        }
        if (duplicate > 0) {
          response.addErrors(
              sampleError(SampleError.Reason.DUPLICATE_TIMESTAMP, seriesIndex, firstDuplicateMs, duplicate));
        }
      }
    }
    IngesterMetrics.INGESTED_SAMPLES.labelValues(tenant).inc(accepted);
    IngesterMetrics.MEMORY_SERIES.labelValues(tenant).set(head.numSeries());
    response = (response == null ? PushResponse.newBuilder() : response).setAcceptedSamples(accepted)
        .setTenantSeries(head.numSeries());
    if (limits != null) {
      for (String metric : limits.getMaxSeriesPerMetricMap().keySet()) {
        response.putMetricSeries(metric, head.numSeriesWith(Labels.METRIC_NAME, metric));
      }
    }
    return response.build();
  }

  /** The request's {@code series_limits}, or null when it has none. */
  private static SeriesLimits seriesLimits(WireFields request, byte[] buf) {
    int count = request.count(4);
    if (count == 0) {
      return null;
    }
    try {
      return SeriesLimits.parseFrom(
          java.nio.ByteBuffer.wrap(buf, request.offset(4, count - 1), request.length(4, count - 1)));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed series_limits: " + e.getMessage(), e);
    }
  }

  /**
   * Why a series the head does not hold may not be created under the entry's caps, or null when it may. The caps
   * travel in the log entry and the head is the same on every replica, so every replica decides the same.
   */
  private static SampleError.Reason newSeriesOverLimit(Head head, WireTimeSeries wire, SeriesLimits limits) {
    if (limits.getLimitSeries() && head.numSeries() >= limits.getMaxSeries()) {
      return SampleError.Reason.MAX_SERIES_PER_USER;
    }
    if (limits.getMaxSeriesPerMetricCount() > 0) {
      for (int i = 0; i < wire.labelCount(); i++) {
        if (wire.nameIs(i, Labels.METRIC_NAME)) {
          String metric = wire.value(i);
          long max = limits.getMaxSeriesPerMetricOrDefault(metric, Long.MAX_VALUE);
          return head.numSeriesWith(Labels.METRIC_NAME, metric) >= max ? SampleError.Reason.MAX_SERIES_PER_METRIC
              : null;
        }
      }
    }
    return null;
  }

  private static SampleError sampleError(SampleError.Reason reason, int seriesIndex, long timestampMs, int count) {
    return SampleError.newBuilder()
        .setReason(reason)
        .setSeriesIndex(seriesIndex)
        .setTimestampMs(timestampMs)
        .setRejectedSamples(count)
        .build();
  }

  /** Series of {@code tenant} matching every matcher, sorted by labels, with chunks overlapping the range. */
  public List<ChunkSeries> select(String tenant, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    Head head = heads.get(tenant);
    return head == null ? List.of() : head.selectChunks(minTimeMs, maxTimeMs, matchers);
  }

  public List<String> labelNames(String tenant, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    Head head = heads.get(tenant);
    if (head == null) {
      return List.of();
    }
    try (Querier querier = head.querier(minTimeMs, maxTimeMs)) {
      return querier.labelNames(matchers);
    }
  }

  public List<String> labelValues(
      String tenant, String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    Head head = heads.get(tenant);
    if (head == null) {
      return List.of();
    }
    try (Querier querier = head.querier(minTimeMs, maxTimeMs)) {
      return querier.labelValues(name, matchers);
    }
  }
}
