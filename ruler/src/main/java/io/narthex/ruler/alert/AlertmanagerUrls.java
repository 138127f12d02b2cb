package io.narthex.ruler.alert;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The Alertmanagers of {@code -ruler.alertmanager-url}: a comma-separated list of {@code http(s)://[user:password@]host
 * [:port][/path]}, as Mimir takes it. Each entry gets the alerts at {@code <path>/api/v2/alerts} (API v2, the only one
 * Mimir speaks); a user and password in the URL become HTTP basic auth and are left out of the URL shown in metrics.
 * Mimir's DNS service discovery ({@code dns+}, {@code dnssrv+}) is not supported.
 */
public final class AlertmanagerUrls {
  /**
   * One Alertmanager.
   *
   * @param alertsUri where alerts are posted
   * @param authorization the {@code Authorization} header value, empty without credentials
   * @param display the URL without credentials, the {@code alertmanager} label of the notifier metrics
   */
  public record Target(URI alertsUri, String authorization, String display) {}

  private AlertmanagerUrls() {}

  /**
   * Parses the flag's value; an empty value gives no targets (the ruler then evaluates alerts without sending them).
   *
   * @throws IllegalArgumentException naming the entry that is not an absolute http(s) URL
   */
  public static List<Target> parse(String commaSeparated) {
    List<Target> targets = new ArrayList<>();
    if (commaSeparated == null || commaSeparated.isBlank()) {
      return targets;
    }
    for (String entry : commaSeparated.split(",")) {
      String trimmed = entry.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      URI uri;
      try {
        uri = new URI(trimmed);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("-ruler.alertmanager-url: invalid URL " + redact(trimmed) + ": "
            + e.getReason());
      }
      if (uri.getScheme() == null || uri.getHost() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        throw new IllegalArgumentException("-ruler.alertmanager-url: " + redact(trimmed)
            + " is not an http:// or https:// URL with a host (DNS service discovery is not supported)");
      }
      String authorization = "";
      if (uri.getRawUserInfo() != null) {
        String[] userPassword = uri.getRawUserInfo().split(":", 2);
        String user = unescapeUserInfo(userPassword[0]);
        String password = userPassword.length > 1 ? unescapeUserInfo(userPassword[1]) : "";
        authorization = "Basic " + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
      }
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      String hostPort = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
      String base = uri.getScheme() + "://" + hostPort + path;
      targets.add(new Target(URI.create(base + "/api/v2/alerts"), authorization, base));
    }
    return targets;
  }

  /** Go's userinfo unescaping: {@code %XX} decoded, a {@code +} kept (unlike form decoding, where it is a space). */
  private static String unescapeUserInfo(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String redact(String url) {
    int at = url.indexOf('@');
    int scheme = url.indexOf("://");
    return at > 0 && scheme > 0 && at > scheme ? url.substring(0, scheme + 3) + "<redacted>" + url.substring(at) : url;
  }
}
