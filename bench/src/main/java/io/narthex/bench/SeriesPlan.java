package io.narthex.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Which series the write generator sends and how they are batched: {@code seriesCount} series split into
 * contiguous ranges per tenant, each range cut into requests of at most {@code samplesPerRequest} series (one
 * sample each, as Prometheus's queue manager usually sends). Series {@code i} is series {@code i %
 * FAMILY_SERIES} of target {@code i / FAMILY_SERIES}.
 *
 * <p>Churn replaces whole targets in round-robin order, {@code churnTargetsPerRound} per round on average; the
 * generation of a target in a round is a pure function of both, so every sender agrees on it without sharing
 * state.
 */
final class SeriesPlan {
  /** One request's worth of series: {@code [from, to)} of one tenant. */
  record Batch(int tenant, int from, int to) {
    int size() {
      return to - from;
    }
  }

  private final LabelShape shape;
  private final String runId;
  private final int seriesCount;
  private final int targetCount;
  private final double churnTargetsPerRound;
  private final List<Batch> batches = new ArrayList<>();

  SeriesPlan(LabelShape shape, String runId, int seriesCount, int tenants, int samplesPerRequest,
      double churnSeriesPerRound) {
    this.shape = shape;
    this.runId = runId;
    this.seriesCount = seriesCount;
    this.targetCount = Math.max(1, (seriesCount + LabelShape.FAMILY_SERIES - 1) / LabelShape.FAMILY_SERIES);
    this.churnTargetsPerRound = churnSeriesPerRound / LabelShape.FAMILY_SERIES;
    for (int tenant = 0; tenant < tenants; tenant++) {
      int tenantFrom = (int) ((long) seriesCount * tenant / tenants);
      int tenantTo = (int) ((long) seriesCount * (tenant + 1) / tenants);
      for (int from = tenantFrom; from < tenantTo; from += samplesPerRequest) {
        batches.add(new Batch(tenant, from, Math.min(tenantTo, from + samplesPerRequest)));
      }
    }
  }

  List<Batch> batches() {
    return batches;
  }

  int seriesCount() {
    return seriesCount;
  }

  String runId() {
    return runId;
  }

  int generation(int target, long round) {
    long replaced = (long) Math.floor(churnTargetsPerRound * round);
    return (int) (replaced / targetCount + (target < replaced % targetCount ? 1 : 0));
  }

  byte[] encodedLabels(int series, int generation) {
    return WriteRequestEncoder.encodeLabels(
        shape.labels(runId, series / LabelShape.FAMILY_SERIES, generation, series % LabelShape.FAMILY_SERIES));
  }

  /**
   * The encoded labels of the series a sender owns, cached with the generation they were encoded for; a sender
   * calls {@link #encode} only for batches it owns, so the cache needs no locking.
   */
  final class LabelCache {
    private final byte[][] labels = new byte[seriesCount][];
    private final int[] generations = new int[seriesCount];

    /** Encodes one batch for one round into {@code encoder}, the request ready in its compressed buffer. */
    void encode(WriteRequestEncoder encoder, Batch batch, long round, long timestampMs) {
      encoder.begin();
      for (int series = batch.from(); series < batch.to(); series++) {
        int target = series / LabelShape.FAMILY_SERIES;
        int generation = generation(target, round);
        if (labels[series] == null || generations[series] != generation) {
          labels[series] = encodedLabels(series, generation);
          generations[series] = generation;
        }
        encoder.add(labels[series], timestampMs,
            LabelShape.value(target, series % LabelShape.FAMILY_SERIES, round));
      }
      encoder.finish();
    }
  }

  LabelCache newLabelCache() {
    return new LabelCache();
  }
}
