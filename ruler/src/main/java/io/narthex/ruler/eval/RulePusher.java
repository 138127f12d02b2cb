package io.narthex.ruler.eval;

import io.narthex.promql.Sample;
import java.util.ArrayList;
import java.util.List;

/**
 * The write side of rule evaluation: a tenant's output samples go through the distributor's push path, so they are
 * validated, limited and replicated like any remote write (Mimir's {@code PusherAppender}, one write request per
 * group evaluation). A staleness marker is a sample whose value has the bits of
 * {@link io.narthex.tsdb.storage.StaleMarker#STALE_NAN}.
 */
@FunctionalInterface
public interface RulePusher {
  /**
   * Pushes {@code samples} (labels with {@code __name__}, timestamp in milliseconds, value) for {@code tenant}, one
   * series per sample in order, so that a rejection names its sample by the series' index in the request.
   *
   * @return the client-fault rejections (out of order, validation, limits), one per series not stored; empty when
   *     all were
   * @throws RuntimeException when the write failed as a whole (rate limit, ingesters unavailable)
   */
  List<Rejection> push(String tenant, List<Sample> samples);

  /**
   * A series, or part of a push, that the distributor did not store.
   *
   * @param sampleIndex the index in the pushed samples of the series rejected, or {@link #NO_SAMPLE} when the
   *     rejection names none (then it may concern any sample of the push)
   * @param reason the distributor's message, with its {@code err-narthex-*} id
   */
  record Rejection(int sampleIndex, String reason) {
    public static final int NO_SAMPLE = -1;

    /**
     * Pairs each of {@code reasons} with the series index at the same position of {@code sampleIndexes} (the
     * distributor's {@code PushResult.errors} and {@code errorSeries}); a negative index is {@link #NO_SAMPLE}.
     *
     * @throws IllegalArgumentException when the lists differ in size
     */
    public static List<Rejection> of(List<String> reasons, List<Integer> sampleIndexes) {
      if (reasons.size() != sampleIndexes.size()) {
        throw new IllegalArgumentException(reasons.size() + " reasons for " + sampleIndexes.size() + " series");
      }
      List<Rejection> rejections = new ArrayList<>(reasons.size());
      for (int i = 0; i < reasons.size(); i++) {
        rejections.add(new Rejection(Math.max(NO_SAMPLE, sampleIndexes.get(i)), reasons.get(i)));
      }
      return rejections;
    }
  }
}
