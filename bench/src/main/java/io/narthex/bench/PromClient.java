package io.narthex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A minimal client of the Prometheus HTTP API ({@code /api/v1/query} and {@code /api/v1/query_range}). */
final class PromClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final Map<String, String> headers;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  /** What one query returned: the data on success, else an HTTP status (0 for no response) and a message. */
  record Answer(int status, JsonNode data, String error) {
    boolean ok() {
      return data != null;
    }
  }

  PromClient(String baseUrl, Map<String, String> headers) {
    Loopback.requireLoopback(baseUrl);
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.headers = headers;
  }

  String baseUrl() {
    return baseUrl;
  }

  Answer instant(String query, long timeMs) {
    return get("/api/v1/query", "query", query, "time", seconds(timeMs));
  }

  /** As {@link #instant(String, long)} with {@code stats=all}: the data carries Prometheus's {@code stats} object. */
  Answer instantWithStats(String query, long timeMs) {
    return get("/api/v1/query", "query", query, "time", seconds(timeMs), "stats", "all");
  }

  /** A range query with {@code stats=all}: the data carries Prometheus's {@code stats} object. */
  Answer rangeWithStats(String query, long startMs, long endMs, long stepMs) {
    return get("/api/v1/query_range", "query", query, "start", seconds(startMs), "end", seconds(endMs),
        "step", seconds(stepMs), "stats", "all");
  }

  private Answer get(String path, String... params) {
    StringBuilder url = new StringBuilder(baseUrl).append(path);
    for (int i = 0; i < params.length; i += 2) {
      url.append(i == 0 ? '?' : '&').append(params[i]).append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.toString()))
        .timeout(Duration.ofMinutes(2))
        .GET();
    headers.forEach(request::header);
    try {
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode body;
      try {
        body = JSON.readTree(response.body());
      } catch (IOException e) {
        return new Answer(response.statusCode(), null,
            firstLine(new String(response.body(), StandardCharsets.UTF_8)));
      }
      if (response.statusCode() / 100 == 2 && "success".equals(body.path("status").asText())) {
        return new Answer(response.statusCode(), body.get("data"), null);
      }
      String message = body.path("errorType").asText("") + ": " + body.path("error").asText(body.toString());
      return new Answer(response.statusCode(), null, firstLine(message));
    } catch (IOException e) {
      return new Answer(0, null, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, null, "interrupted");
    }
  }

  static String seconds(long ms) {
    return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format("%d.%03d", ms / 1000, ms % 1000);
  }

  private static String firstLine(String text) {
    String line = text.strip();
    int newline = line.indexOf('\n');
    line = newline < 0 ? line : line.substring(0, newline);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
