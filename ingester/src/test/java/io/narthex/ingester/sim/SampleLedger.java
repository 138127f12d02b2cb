package io.narthex.ingester.sim;

import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.TimeSeries;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every sample the simulation sent and what the cluster answered for it. A sample is acknowledged when its push's
 * future completed and the response rejected none of its series' samples; anything else (a failed or timed-out
 * write, a rejection) may or may not be stored, since an earlier attempt of the same write may have committed.
 * Each pushed series carries one sample, so a series-level rejection names exactly one sample.
 *
 * <p>Samples are keyed {@code tenant|shard|writer|series|timestampMs}; the simulation sends each key once.
 * Thread-safe: writer threads record while the test thread checks between steps.
 */
public final class SampleLedger {
  /** What was sent under a key: its shard, value and whether it was acknowledged. */
  record Sent(int shard, double value, boolean acknowledged) {}

  private final Map<String, Sent> sent = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> countMismatches = new ConcurrentLinkedQueue<>();
  private final AtomicLong pushes = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();

  /** The part of a sample's key that names its series. */
  static String seriesKey(String tenant, String shard, String writer, String series) {
    return tenant + "|" + shard + "|" + writer + "|" + series + "|";
  }

  /**
   * Records a push's samples and the shard's answer.
   *
   * @param response the reply, or null when the write failed
   * @param resent whether this reply answers a second attempt, after one that failed: samples the failed attempt
   *     committed are identical resends then, which the heads drop unreported, as Prometheus's do, so accepted
   *     and rejected may add up to fewer than were sent, never more
   */
  void record(int shard, PushRequest request, PushResponse response, boolean resent) {
    BitSet rejected = new BitSet();
    boolean acknowledged = response != null && response.getInvalidRequest().isEmpty();
    if (response != null) {
      long rejectedSamples = 0;
      for (SampleError error : response.getErrorsList()) {
        rejected.set(error.getSeriesIndex());
        rejectedSamples += error.getRejectedSamples();
      }
      long samples = request.getTimeseriesList().stream().mapToLong(TimeSeries::getSamplesCount).sum();
      long answered = response.getAcceptedSamples() + rejectedSamples;
      if (resent ? answered > samples : answered != samples) {
        countMismatches.add("shard " + shard + ": " + samples + " samples sent, " + response.getAcceptedSamples()
            + " accepted and " + rejectedSamples + " rejected" + (resent ? " on a resend: " : ": ")
            + response.getErrorsList());
      }
      if (!response.getInvalidRequest().isEmpty()) {
        countMismatches.add("shard " + shard + " refused a valid push: " + response.getInvalidRequest());
      }
    }
    for (int i = 0; i < request.getTimeseriesCount(); i++) {
      TimeSeries series = request.getTimeseries(i);
      String key = seriesKey(request.getTenant(), label(series, "shard"), label(series, "writer"),
          label(series, "series")) + series.getSamples(0).getTimestamp();
      Sent previous = sent.put(key, new Sent(shard, series.getSamples(0).getValue(),
          acknowledged && !rejected.get(i)));
      if (previous != null) {
        throw new IllegalStateException("the simulation sent " + key + " twice");
      }
    }
    pushes.incrementAndGet();
  }

  private static String label(TimeSeries series, String name) {
    for (Label label : series.getLabelsList()) {
      if (label.getName().equals(name)) {
        return label.getValue();
      }
    }
    throw new IllegalArgumentException("series without label " + name);
  }

  /** Counts a write attempt that failed (no quorum in time, or an error); the writer may send it again. */
  void recordFailedAttempt() {
    failedAttempts.incrementAndGet();
  }

  long failedAttempts() {
    return failedAttempts.get();
  }

  /** Pushes recorded so far, answered or failed. */
  long pushes() {
    return pushes.get();
  }

  long acknowledged() {
    return sent.values().stream().filter(Sent::acknowledged).count();
  }

  long sent() {
    return sent.size();
  }

  /** Responses whose accepted and rejected counts do not add up to what was sent (see {@link #record}). */
  List<String> countMismatches() {
    return List.copyOf(countMismatches);
  }

  /**
   * What is wrong with one replica's samples of a shard: a sample read that was never sent (or with another
   * value, or in another shard), read more than once, or an acknowledged sample missing. At most {@code limit}
   * findings.
   *
   * @param stored the values read per key
   */
  List<String> violations(int shard, Map<String, List<Double>> stored, int limit) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, List<Double>> entry : stored.entrySet()) {
      Sent expected = sent.get(entry.getKey());
      List<Double> values = entry.getValue();
      if (expected == null || expected.shard() != shard) {
        out.add("stored but never sent to this shard: " + entry.getKey() + "=" + values);
      } else if (values.size() > 1) {
        out.add("stored " + values.size() + " times: " + entry.getKey() + "=" + values);
      } else if (Double.doubleToLongBits(values.getFirst()) != Double.doubleToLongBits(expected.value())) {
        out.add("stored with another value: " + entry.getKey() + "=" + values + ", sent " + expected.value());
      }
      if (out.size() >= limit) {
        return out;
      }
    }
    for (Map.Entry<String, Sent> entry : sent.entrySet()) {
      Sent expected = entry.getValue();
      if (expected.shard() == shard && expected.acknowledged() && !stored.containsKey(entry.getKey())) {
        out.add("acknowledged but missing: " + entry.getKey() + "=" + expected.value());
        if (out.size() >= limit) {
          return out;
        }
      }
    }
    return out;
  }
}
