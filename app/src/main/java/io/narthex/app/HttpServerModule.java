package io.narthex.app;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.util.BlockingTaskExecutor;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.service.Service;
import io.narthex.common.service.ServiceManager;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server module, started after every other module bound its routes: it adds the process's own routes,
 * {@code /ready} (200 once every module runs and is ready, else 503 naming those that are not), {@code /services}
 * (each module's state, as Mimir's) and {@code /metrics}.
 */
final class HttpServerModule implements Service, ServiceManager.Factory {
  private static final Logger log = LoggerFactory.getLogger(HttpServerModule.class);
  /**
   * Threads of the pool that runs the routes' blocking work (a push waiting for its Raft commit, a query), per
   * available core, and the least. Armeria's default is 200 whatever the cores, and its pool starts a thread for each
   * task until it has them all: a 4-connection push load on 2 cores kept 200 of them (264 threads, 30 MB of thread
   * stacks by NMT; 81 and 8 MB with 16). Work past the bound waits in the pool's queue, which the distributor's
   * in-flight push limits bound.
   */
  static final int BLOCKING_THREADS_PER_CORE = 8;
  static final int MIN_BLOCKING_THREADS = 16;

  private final ServerBuilder http;
  private final ServiceManager manager;
  private final PrometheusRegistry registry;
  private final java.util.function.Supplier<List<String>> ingesterNotReady;
  private Server server;

  /**
   * @param ingesterNotReady why this process's ingester is not ready, one line per shard (a shard without a leader,
   *     replaying its log, or catching up as a new replica), named in {@code /ready}'s 503
   */
  HttpServerModule(ServerBuilder http, ServiceManager manager, PrometheusRegistry registry,
      java.util.function.Supplier<List<String>> ingesterNotReady) {
    this.http = http;
    this.manager = manager;
    this.registry = registry;
    this.ingesterNotReady = ingesterNotReady;
  }

  /** The HTTP server's builder with the process-wide settings; the modules add their routes to it. */
  static ServerBuilder builder(NarthexOptions options) {
    ServerBuilder http = Server.builder()
        .requestTimeout(options.querier.queryTimeout.plus(Duration.ofSeconds(30)))
        // Small bodies by default; push and block upload files raise it on their own routes.
        .maxRequestLength(options.server.maxBodySizeBytes)
        .gracefulShutdownTimeout(Duration.ofSeconds(1), Duration.ofSeconds(10))
        .blockingTaskExecutor(BlockingTaskExecutor.builder().threadNamePrefix("http-blocking")
            .numThreads(blockingThreads(Runtime.getRuntime().availableProcessors())).build(), true);
    if (options.server.httpListenAddress.isEmpty()) {
      http.http(options.server.httpListenPort);
    } else {
      http.http(new InetSocketAddress(options.server.httpListenAddress, options.server.httpListenPort));
    }
    return http;
  }

  /** The blocking pool's size for {@code cores} available processors. */
  static int blockingThreads(int cores) {
    return Math.max(MIN_BLOCKING_THREADS, BLOCKING_THREADS_PER_CORE * cores);
  }

  /** " (shard 3 is catching up as a new replica, ...; shard 5 has no leader yet)", or "" once there is none. */
  private String ingesterReasons() {
    List<String> reasons = ingesterNotReady.get();
    return reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")";
  }

  @Override
  public Service create() {
    return this;
  }

  @Override
  public void start() {
    http.service("/ready", (ctx, req) -> {
      List<String> notReady = new java.util.ArrayList<>(manager.notReady());
      notReady.remove(Modules.SERVER);
      return notReady.isEmpty()
          ? HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ready\n")
          : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8, "not ready: " + notReady
              + (notReady.contains(Modules.INGESTER) ? ingesterReasons() : "") + "\n");
    });
    http.service("/services", (ctx, req) -> {
      StringBuilder text = new StringBuilder();
      for (Map.Entry<String, ServiceManager.State> module : manager.states().entrySet()) {
        if (module.getValue() != ServiceManager.State.NEW) {
          text.append(module.getKey()).append(' ').append(module.getValue()).append('\n');
        }
      }
      return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, text.toString());
    });
    http.service("/metrics", (ctx, req) -> {
      try {
        return HttpResponse.of(HttpStatus.OK, MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), scrape());
      } catch (RuntimeException | LinkageError e) {
        log.error("collecting metrics failed", e);
        return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8,
            "collecting metrics failed: " + e + "\n");
      }
    });
    server = http.build();
    server.start().join();
  }

  private byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 << 10);
    try {
      ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The port bound (differs from the option when that was 0). */
  int port() {
    return server.activeLocalPort();
  }

  @Override
  public void stop() {
    server.stop().join();
  }
}
