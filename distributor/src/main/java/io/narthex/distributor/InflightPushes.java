package io.narthex.distributor;

import io.narthex.common.ErrorId;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The distributor's instance limits on push requests in flight, as Mimir's
 * ({@code -distributor.instance-limits.max-inflight-push-requests} and {@code ...-bytes}): a request past either
 * bound is refused before its body is decompressed, so that many large pushes at once cannot exhaust the heap. Bytes
 * count the compressed body and its claimed uncompressed size, reserved as each becomes known. Thread-safe.
 */
public final class InflightPushes {
  static final String MAX_REQUESTS_FLAG = "-distributor.instance-limits.max-inflight-push-requests";
  static final String MAX_BYTES_FLAG = "-distributor.instance-limits.max-inflight-push-requests-bytes";

  private final int maxRequests;
  private final long maxBytes;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();

  /**
   * @param maxRequests most requests in flight; 0 for no limit
   * @param maxBytes most bytes in flight; 0 for no limit
   */
  public InflightPushes(int maxRequests, long maxBytes) {
    this.maxRequests = maxRequests;
    this.maxBytes = maxBytes;
  }

  /** No limits: every request is admitted. */
  public static InflightPushes unlimited() {
    return new InflightPushes(0, 0);
  }

  /** A permit for one more request, or null when {@code maxRequests} are already in flight. */
  Permit tryStart() {
    int now = requests.incrementAndGet();
    if (maxRequests > 0 && now > maxRequests) {
      requests.decrementAndGet();
      return null;
    }
    return new Permit();
  }

  int requestsInFlight() {
    return requests.get();
  }

  long bytesInFlight() {
    return bytes.get();
  }

  String requestsRefusal() {
    return ErrorId.MAX_INFLIGHT_PUSH_REQUESTS.format(
        "the write request has been rejected because the distributor already has %d push requests in flight",
        maxRequests) + ". To adjust the related limit, configure " + MAX_REQUESTS_FLAG + ".";
  }

  String bytesRefusal() {
    return ErrorId.MAX_INFLIGHT_PUSH_REQUESTS_BYTES.format(
        "the write request has been rejected because the push requests in flight would take more than %d bytes",
        maxBytes) + ". To adjust the related limit, configure " + MAX_BYTES_FLAG + ".";
  }

  /** One request in flight and the bytes it holds; {@link #close} releases both, once. */
  final class Permit implements AutoCloseable {
    private long held;
    private boolean closed;

    /**
     * Grows this request's share to {@code total} bytes.
     *
     * @return false, holding what it held before, when that would take the instance past {@code maxBytes}
     */
    synchronized boolean reserveUpTo(long total) {
      long more = total - held;
      if (more <= 0) {
        return true;
      }
      long now = bytes.addAndGet(more);
      if (maxBytes > 0 && now > maxBytes) {
        bytes.addAndGet(-more);
        return false;
      }
      held = total;
      return true;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        bytes.addAndGet(-held);
        held = 0;
        requests.decrementAndGet();
      }
    }
  }
}
