package io.narthex.app;

import io.prometheus.metrics.core.metrics.Counter;
import org.apache.ratis.util.ExitUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Narthex process does with an exception that no code caught, in any thread: it logs it, counts it in
 * {@code narthex_uncaught_exceptions_total}, and keeps running; only an {@link OutOfMemoryError} ends the process, at once, with
 * exit status 3, as {@code -XX:+ExitOnOutOfMemoryError} would.
 *
 * <p>Why not end the process on every uncaught exception, as Ratis's default does (its {@code ExitUtils}, once
 * loaded, installs a JVM-wide handler that calls {@code System.exit(-1)})? One process holds many shards and tenants:
 * a bug that a single request can reach in some thread would then stop every shard of the process, which our bad-input
 * rule forbids. The thread's task is lost and the error says so; requests and Raft groups elsewhere go on. After an
 * out-of-memory error the JVM's state is not trusted, and halting (like {@code kill -9}) loses no acknowledged
 * sample: each is in a quorum's synced log.
 */
final class UncaughtExceptions {
  private static final Logger log = LoggerFactory.getLogger(UncaughtExceptions.class);

  /** Exit status after an out-of-memory error, the same as the JVM's {@code -XX:+ExitOnOutOfMemoryError}. */
  static final int OUT_OF_MEMORY_EXIT_STATUS = 3;

  /** Counts for the whole JVM; each process's registry exposes it (a JVM normally runs one process). */
  static final Counter COUNTER = Counter.builder()
      .name("narthex_uncaught_exceptions_total")
      .help("Exceptions that reached the top of a thread uncaught; each lost that thread's task.")
      .build();

  private static final Thread.UncaughtExceptionHandler HANDLER = UncaughtExceptions::handle;

  private UncaughtExceptions() {}

  /**
   * Makes this policy the JVM-wide default handler. Ratis's own handler is turned off first: its
   * {@code ExitUtils} installs it when that class is first used, which may be after this call.
   */
  static void install() {
    ExitUtils.setTerminateOnUncaughtException(false);
    Thread.setDefaultUncaughtExceptionHandler(HANDLER);
  }

  /** Whether {@link #install} is in effect. */
  static boolean installed() {
    return Thread.getDefaultUncaughtExceptionHandler() == HANDLER;
  }

  private static void handle(Thread thread, Throwable error) {
    if (error instanceof OutOfMemoryError) {
      // No logging framework here: it may need the memory that ran out.
      System.err.println("narthex: " + error + " in thread " + thread.getName() + "; exiting");
      Runtime.getRuntime().halt(OUT_OF_MEMORY_EXIT_STATUS);
    }
    COUNTER.inc();
    log.error("Uncaught exception in thread {}: its task is lost, the process goes on", thread.getName(), error);
  }
}
