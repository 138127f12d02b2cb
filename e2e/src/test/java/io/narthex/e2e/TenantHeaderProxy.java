package io.narthex.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A reverse proxy that sets {@code X-Scope-OrgID} on every request, as an nginx in front of Mimir does. Debian's
 * Prometheus 2.42.0+ds ignores {@code remote_write.headers} (prometheus/prometheus#13030), so the tenant header is
 * added on the way instead.
 */
final class TenantHeaderProxy implements AutoCloseable {
  private static final java.util.Set<String> HOP_BY_HOP = java.util.Set.of(
      "connection", "content-length", "host", "transfer-encoding", "keep-alive", "upgrade", "expect");

  private final HttpServer server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  TenantHeaderProxy(int upstreamPort, String tenant) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", exchange -> forward(exchange, upstreamPort, tenant));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void forward(HttpExchange exchange, int upstreamPort, String tenant) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + upstreamPort + exchange.getRequestURI()))
          .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
        if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
          header.getValue().forEach(value -> request.header(header.getKey(), value));
        }
      }
      request.setHeader("X-Scope-OrgID", tenant);
      HttpResponse<byte[]> response;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exchange.sendResponseHeaders(502, -1);
        return;
      } catch (IOException e) {
        exchange.sendResponseHeaders(502, -1);
        return;
      }
      byte[] responseBody = response.body();
      exchange.sendResponseHeaders(response.statusCode(), responseBody.length == 0 ? -1 : responseBody.length);
      if (responseBody.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(responseBody);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
