package io.narthex.bench;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP server on loopback that accepts every remote-write request and discards it, so a write run against it
 * measures the generator's own ceiling (encoding, compression, HTTP) rather than a target's.
 */
final class NullSink implements AutoCloseable {
  private final Server server;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  NullSink() {
    server = Server.builder()
        .http(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .maxRequestLength(64L << 20)
        .service("/api/v1/push", (ctx, request) -> HttpResponse.of(request.aggregate().thenApply(body -> {
          requests.incrementAndGet();
          bytes.addAndGet(body.content().length());
          return HttpResponse.of(HttpStatus.NO_CONTENT);
        })))
        .build();
    server.start().join();
  }

  String pushUrl() {
    return "http://127.0.0.1:" + server.activeLocalPort() + "/api/v1/push";
  }

  long requests() {
    return requests.get();
  }

  long bytes() {
    return bytes.get();
  }

  @Override
  public void close() {
    server.stop().join();
  }
}
