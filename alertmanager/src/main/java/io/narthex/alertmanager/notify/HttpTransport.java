package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * How an HTTP integration posts: JSON over the JDK's HttpClient, with the parts of an integration's
 * {@code http_config} (prometheus/common's {@code HTTPClientConfig}) that Narthex honours: {@code basic_auth},
 * {@code authorization}, {@code bearer_token}, {@code follow_redirects} (default true) and
 * {@code tls_config.insecure_skip_verify} (which trusts any certificate; the JDK still checks the host name). The
 * tenant's {@link Firewall} is checked before connecting to each host, redirects included. Status codes are read as Alertmanager's
 * {@code notify.Retrier.Check}: 2xx succeeds, 5xx and the integration's retry codes are retried, the rest is not.
 */
final class HttpTransport {
  /** The most of a failed response's body quoted in the error. */
  private static final int MAX_ERROR_BODY_BYTES = 1024;
  private static final String USER_AGENT = "Narthex-Alertmanager";
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  private static final int MAX_REDIRECTS = 10;
  private static final HttpClient SECURE = client(false);
  private static final HttpClient INSECURE = client(true);

  private final HttpClient client;
  private final boolean followRedirects;
  /** The Authorization header's value, or null. */
  private final String authorization;
  private final Supplier<Firewall> firewall;

  /**
   * @param httpConfig the integration's {@code http_config}, else the global one; null or missing for the defaults
   * @param firewall the tenant's current firewall, read before each connection
   */
  HttpTransport(JsonNode httpConfig, Supplier<Firewall> firewall) {
    JsonNode config = httpConfig == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : httpConfig;
    boolean follow = Fields.bool(config.get("follow_redirects"), true);
    boolean insecure = Fields.bool(config.path("tls_config").get("insecure_skip_verify"), false);
    this.client = insecure ? INSECURE : SECURE;
    this.followRedirects = follow;
    this.authorization = authorization(config);
    this.firewall = firewall;
  }

  private static String authorization(JsonNode config) {
    JsonNode basic = config.get("basic_auth");
    if (basic != null && basic.isObject()) {
      String credentials = Fields.text(basic, "username", "") + ":" + Fields.text(basic, "password", "");
      return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }
    JsonNode auth = config.get("authorization");
    if (auth != null && auth.isObject()) {
      return Fields.text(auth, "type", "Bearer") + " " + Fields.text(auth, "credentials", "");
    }
    String bearer = Fields.text(config, "bearer_token", "");
    return bearer.isEmpty() ? null : "Bearer " + bearer;
  }

  /** A status code and the start of the body. */
  record Response(int status, String body) {}

  /**
   * Posts {@code body} as JSON, as Alertmanager's {@code notify.PostJSON}. Redirects are followed here, as Go's client
   * follows them (at most 10; 301, 302 and 303 turn the POST into a GET without body, 307 and 308 repeat it), so
   * that the firewall checks every host, and the Authorization header is not sent to another host.
   *
   * @param timeout how long the whole exchange may take
   * @throws NotifyException retried, when the destination cannot be reached or does not answer in time; not
   *     retried when the firewall refuses it or the URL is bad. The URL is not quoted (it may hold a secret, as
   *     Alertmanager's {@code RedactURL} hides it)
   */
  Response postJson(String url, byte[] body, Duration timeout) throws NotifyException {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw NotifyException.permanent("Post \"<redacted>\": invalid URL");
    }
    long deadline = System.nanoTime() + Math.max(1, timeout.toNanos());
    String firstHost = uri.getHost();
    byte[] payload = body;
    String auth = authorization;
    for (int redirects = 0; ; redirects++) {
      if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw NotifyException.permanent("Post \"<redacted>\": unsupported URL (an http or https URL with a host)");
      }
      int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      firewall.get().check(uri.getHost(), port);
      HttpRequest.Builder request = HttpRequest.newBuilder(uri)
          .timeout(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
          .header("User-Agent", USER_AGENT);
      if ("http".equals(uri.getScheme())) {
        // As Alertmanager's Go client: HTTP/1.1 on plain http (no h2c upgrade, which some receivers break on);
        // HTTP/2 only where TLS negotiates it.
        request.version(HttpClient.Version.HTTP_1_1);
      }
      if (payload != null) {
        request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(payload));
      } else {
        request.GET();
      }
      if (auth != null) {
        request.header("Authorization", auth);
      }
      HttpResponse<InputStream> response = send(request.build());
      int status = response.statusCode();
      String location = response.headers().firstValue("Location").orElse(null);
      if (!followRedirects || location == null || !REDIRECTS.contains(status)) {
        return read(response);
      }
      read(response);
      if (redirects == MAX_REDIRECTS) {
        throw NotifyException.permanent("Post \"<redacted>\": stopped after " + MAX_REDIRECTS + " redirects");
      }
      try {
        uri = uri.resolve(location);
      } catch (IllegalArgumentException e) {
        throw NotifyException.permanent("Post \"<redacted>\": bad redirect location");
      }
      if (status == 301 || status == 302 || status == 303) {
        payload = null;
      }
      if (uri.getHost() == null || !uri.getHost().equalsIgnoreCase(firstHost)) {
        auth = null;
      }
    }
  }

  private HttpResponse<InputStream> send(HttpRequest request) throws NotifyException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw new NotifyException("Post \"<redacted>\": context deadline exceeded", true, NotifyException.Reason.OTHER);
    } catch (IOException e) {
      throw new NotifyException("Post \"<redacted>\": " + e, true, NotifyException.Reason.OTHER);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw NotifyException.permanent("Post \"<redacted>\": interrupted");
    }
  }

  private static Response read(HttpResponse<InputStream> response) throws NotifyException {
    try (InputStream in = response.body()) {
      byte[] start = in.readNBytes(MAX_ERROR_BODY_BYTES);
      return new Response(response.statusCode(), new String(start, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new NotifyException("Post \"<redacted>\": reading the response: " + e, true,
          NotifyException.Reason.OTHER);
    }
  }

  /**
   * Alertmanager's {@code Retrier.Check}: nothing for 2xx; otherwise {@code unexpected status code N: <body>},
   * retried for 5xx and {@code retryCodes}.
   */
  static void check(Response response, Set<Integer> retryCodes) throws NotifyException {
    int status = response.status();
    if (status / 100 == 2) {
      return;
    }
    boolean retry = status / 100 == 5 || retryCodes.contains(status);
    String message = "unexpected status code " + status;
    if (!response.body().isEmpty()) {
      message += ": " + response.body();
    }
    throw new NotifyException(message, retry, NotifyException.Reason.ofStatus(status));
  }

  /** Redirects are followed by {@link #postJson}, not by the client. */
  private static HttpClient client(boolean insecure) {
    HttpClient.Builder builder = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(30));
    if (insecure) {
      builder.sslContext(trustAll());
    }
    return builder.build();
  }

  private static SSLContext trustAll() {
    TrustManager trustAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustAll}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
