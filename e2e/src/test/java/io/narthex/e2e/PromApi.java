package io.narthex.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A client of a Prometheus HTTP API v1 (Prometheus itself, or Narthex under /prometheus). */
final class PromApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final String baseUrl;
  private final String tenant;

  /**
   * @param baseUrl e.g. {@code http://127.0.0.1:9090} or {@code http://127.0.0.1:9009/prometheus}
   * @param tenant the X-Scope-OrgID to send, or null for none
   */
  PromApi(String baseUrl, String tenant) {
    this.baseUrl = baseUrl;
    this.tenant = tenant;
  }

  record Response(int status, JsonNode body, String raw) {}

  /** GET {@code path} with alternating parameter names and values, URL-encoded. */
  Response get(String path, String... params) {
    StringBuilder url = new StringBuilder(baseUrl).append(path);
    for (int i = 0; i < params.length; i += 2) {
      url.append(i == 0 ? '?' : '&')
          .append(URLEncoder.encode(params[i], StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(60));
    if (tenant != null) {
      request.header("X-Scope-OrgID", tenant);
    }
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode body = null;
      try {
        body = JSON.readTree(response.body());
      } catch (IOException notJson) {
        // Left null: the caller asserts on the raw text.
      }
      return new Response(response.statusCode(), body, response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The {@code data} of a successful answer; fails with the body otherwise. */
  JsonNode data(String path, String... params) {
    Response response = get(path, params);
    if (response.status() != 200 || response.body() == null || !"success".equals(response.body().path("status").asText())) {
      throw new AssertionError(baseUrl + path + " answered " + response.status() + ": " + response.raw());
    }
    return response.body().get("data");
  }
}
