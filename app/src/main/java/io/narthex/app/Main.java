package io.narthex.app;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Entry point of {@code bin/narthex}: parses flags, starts the process, and stops it cleanly on SIGTERM. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    NarthexOptions options = new NarthexOptions();
    CommandLine commandLine;
    try {
      commandLine = NarthexOptions.commandLine(options, args);
      CommandLine.ParseResult parsed = commandLine.parseArgs(args);
      if (CommandLine.printHelpIfRequested(parsed)) {
        return;
      }
    } catch (CommandLine.ParameterException e) {
      System.err.println("narthex: " + e.getMessage());
      System.err.println("Run 'narthex --help' for the flags.");
      System.exit(2);
      return;
    }
    LogLevel.apply(options.server.logLevel);
    UncaughtExceptions.install();
    HeapTarget.start(options.server.memoryLimitBytes);
    NarthexOptions.deprecationWarnings(args).forEach(log::warn);
    Narthex narthex;
    try {
      narthex = Narthex.start(options);
    } catch (Exception e) {
      log.error("Narthex failed to start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      narthex.close();
      stopped.countDown();
    }, "narthex-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
