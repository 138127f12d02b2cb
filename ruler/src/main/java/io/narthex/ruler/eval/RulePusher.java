package io.narthex.ruler.eval;

import io.narthex.promql.Sample;
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
   * Pushes {@code samples} (labels with {@code __name__}, timestamp in milliseconds, value) for {@code tenant}.
   *
   * @return the client-fault reasons of the series that were not stored (out of order, validation, limits); empty
   *     when all were
   * @throws RuntimeException when the write failed as a whole (rate limit, ingesters unavailable)
   */
  List<String> push(String tenant, List<Sample> samples);
}
