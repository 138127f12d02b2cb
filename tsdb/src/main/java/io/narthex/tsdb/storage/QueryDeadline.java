package io.narthex.tsdb.storage;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The deadline of the query the current thread serves, as Prometheus and Mimir carry a request's context deadline
 * down to every select: waits for ingesters and store-gateways, and their gRPC deadlines, end with it rather than
 * with their own fixed timeouts, so a query's {@code timeout} also frees its slot. Unbound outside a query, where
 * every method falls back to the caller's own bound.
 */
public final class QueryDeadline {
  private static final ScopedValue<Long> DEADLINE_NANOS = ScopedValue.newInstance();

  private QueryDeadline() {}

  /** Runs {@code op} with {@code deadlineNanos} ({@link System#nanoTime()} scale) as the current deadline. */
  public static <T, X extends Throwable> T call(long deadlineNanos, ScopedValue.CallableOp<T, X> op) throws X {
    return ScopedValue.where(DEADLINE_NANOS, deadlineNanos).call(op);
  }

  /** {@code task} carrying the current deadline to the thread that runs it; {@code task} itself without one. */
  public static <T> Supplier<T> carried(Supplier<T> task) {
    if (!DEADLINE_NANOS.isBound()) {
      return task;
    }
    long deadlineNanos = DEADLINE_NANOS.get();
    return () -> ScopedValue.where(DEADLINE_NANOS, deadlineNanos).call(task::get);
  }

  /**
   * Milliseconds left before the deadline, at most {@code capMs}; {@code capMs} without a deadline.
   *
   * @throws QueryTimeoutException when the deadline has passed, naming {@code stage}
   */
  public static long remainingMs(long capMs, String stage) {
    if (!DEADLINE_NANOS.isBound()) {
      return capMs;
    }
    long leftNanos = DEADLINE_NANOS.get() - System.nanoTime();
    if (leftNanos <= 0) {
      throw new QueryTimeoutException(stage);
    }
    return Math.clamp(TimeUnit.NANOSECONDS.toMillis(leftNanos) + 1, 1, capMs);
  }

  /**
   * Whether the current query's deadline has passed; false outside a query. Lets a caller tell a remote call that
   * ran out of the query's time (Prometheus's 503 timeout) from one that ran out of its own cap (a storage failure).
   */
  public static boolean passed() {
    return DEADLINE_NANOS.isBound() && DEADLINE_NANOS.get() - System.nanoTime() <= 0;
  }

  /**
   * Waits for {@code future} until the deadline (without one, for as long as it takes), cancelling it when the
   * deadline passes first.
   *
   * @throws QueryTimeoutException when the deadline passes first, naming {@code stage}
   * @throws CompletionException wrapping what the task threw
   */
  public static <T> T await(Future<T> future, String stage) {
    try {
      if (!DEADLINE_NANOS.isBound()) {
        return future.get();
      }
      return future.get(Math.max(0, DEADLINE_NANOS.get() - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new QueryTimeoutException(stage);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (CancellationException e) {
      throw new CompletionException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw new CompletionException(e);
    }
  }

  /** The query's deadline passed while it read storage: Prometheus's 503 "query timed out in {@code stage}". */
  public static final class QueryTimeoutException extends StorageException {
    public QueryTimeoutException(String stage) {
      super("query timed out in " + stage);
    }
  }
}
