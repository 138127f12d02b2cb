package io.narthex.app;

import io.narthex.common.service.ServiceManager;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Narthex process: the modules of {@code -target} ({@link Modules}), started in dependency order by a
 * {@link ServiceManager}, behind one HTTP server and, with an ingester or store-gateway, one gRPC server.
 * {@link #close()} stops them in reverse order.
 */
public final class Narthex implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Narthex.class);

  static {
    // ratis-thirdparty-misc shades Netty 4.1 but ships META-INF/io.netty.versions.properties under unshaded names,
    // which makes Armeria warn about a Netty mismatch that does not exist on the classpath.
    System.setProperty("com.linecorp.armeria.warnNettyVersions", "false");
  }

  private final ServiceManager manager = new ServiceManager();
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final Modules modules;
  private final HttpServerModule server;
  /** This process's metrics, apart from any other process in the same JVM; JVM metrics are per JVM. */
  private final PrometheusRegistry registry = new PrometheusRegistry();

  private Narthex(NarthexOptions options) throws IOException {
    try {
      Files.createDirectories(Path.of(options.ingester.tsdbDir));
      if (options.ingester.raftListenPort == 0) {
        options.ingester.raftListenPort = freePort();
      }
      JvmMetrics.builder().register(registry);
      registry.register(UncaughtExceptions.COUNTER);
      modules = new Modules(options, HttpServerModule.builder(options), executor, registry);
      server = new HttpServerModule(modules.http, manager, registry,
          () -> modules.ingester == null ? List.of() : modules.ingester.notReady());
      modules.register(manager, server).start(modules.targetModules());
    } catch (IOException | RuntimeException e) {
      executor.close();
      throw e;
    } catch (Exception e) {
      executor.close();
      throw new IllegalStateException("starting Narthex failed: " + e, e);
    }
    log.info("Narthex started version={} targets={} modules={} http_port={} grpc_port={}",
        Version.VERSION, modules.targets, manager.startOrder(modules.targetModules()), httpPort(), grpcPort());
  }

  /**
   * Starts a process with the given options.
   *
   * @throws IOException when a port or the data directory cannot be used
   * @throws IllegalArgumentException when the options do not make a working process
   */
  public static Narthex start(NarthexOptions options) throws IOException {
    return new Narthex(options);
  }

  /** Whether every module runs and is ready: for an ingester, every local shard has a leader and has caught up. */
  public boolean ready() {
    return manager.notReady().isEmpty();
  }

  /** The HTTP port actually bound (differs from the option when that was 0). */
  public int httpPort() {
    return server.port();
  }

  /** The gRPC port actually bound, or -1 without an ingester or store-gateway. */
  public int grpcPort() {
    return modules.grpcServer == null ? -1 : modules.grpcServer.getPort();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    log.info("Narthex stopping");
    manager.close();
    executor.close();
    log.info("Narthex stopped");
  }
}
