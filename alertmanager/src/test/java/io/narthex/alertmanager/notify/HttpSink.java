package io.narthex.alertmanager.notify;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A loopback HTTP receiver that records each request and answers with the statuses queued, then 200. */
final class HttpSink implements AutoCloseable {
  /** One request received. */
  record Request(String method, String path, Map<String, List<String>> headers, String body) {}

  private final String host;
  private final HttpServer server;
  private final LinkedBlockingQueue<Request> received = new LinkedBlockingQueue<>();
  private final Deque<Integer> statuses = new ArrayDeque<>();
  private final Deque<String> redirects = new ArrayDeque<>();

  HttpSink() throws IOException {
    this("127.0.0.1");
  }

  /** A sink on {@code host}, a loopback address. */
  HttpSink(String host) throws IOException {
    this.host = host;
    server = HttpServer.create(new InetSocketAddress(host, 0), 0);
    server.createContext("/", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        received.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
            Map.copyOf(exchange.getRequestHeaders()), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      }
      int status;
      String location;
      synchronized (statuses) {
        status = statuses.isEmpty() ? 200 : statuses.poll();
        location = status / 100 == 3 ? redirects.poll() : null;
      }
      if (location != null) {
        exchange.getResponseHeaders().add("Location", location);
      }
      byte[] body = (status == 200 ? "ok" : "sink says " + status).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  /** The sink's URL for {@code path}. */
  String url(String path) {
    return "http://" + host + ":" + server.getAddress().getPort() + path;
  }

  /** The next requests will get these statuses, in order. */
  void answer(Integer... codes) {
    synchronized (statuses) {
      statuses.addAll(List.of(codes));
    }
  }

  /** The next request gets {@code status} (a 3xx) with {@code location}. */
  void redirect(int status, String location) {
    synchronized (statuses) {
      statuses.add(status);
      redirects.add(location);
    }
  }

  /** The requests received so far, removed from the sink. */
  List<Request> drain() {
    List<Request> out = new ArrayList<>();
    received.drainTo(out);
    return out;
  }

  /** The next request, waiting at most {@code seconds}; null if none came. */
  Request next(long seconds) throws InterruptedException {
    return received.poll(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
