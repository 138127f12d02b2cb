package io.narthex.storegateway;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting on the store-gateway's fan-out calls without giving up on an interrupt. */
public final class Uninterruptibles {
  private Uninterruptibles() {}

  /**
   * The future's result, waiting through interrupts; the thread's interrupt status is set again afterwards when it
   * was interrupted meanwhile.
   *
   * @throws ExecutionException when the computation threw; each caller maps its cause
   */
  public static <T> T getUninterruptibly(Future<T> future) throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
