package io.narthex.bench;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared pieces of the load generators: the loopback guard and {@code --header K:V} parsing. */
final class Loopback {
  private Loopback() {}

  /**
   * Refuses non-loopback targets: the generators are bounded in time, but they are still load generators, and
   * they are meant for a Narthex (or Prometheus) on this machine.
   */
  static URI requireLoopback(String url) {
    URI uri = URI.create(url);
    String host = uri.getHost();
    if (host == null || !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"))) {
      throw new IllegalArgumentException("the load generators only target loopback addresses, not " + host
          + " (in " + url + ")");
    }
    return uri;
  }

  static Map<String, String> headers(List<String> specs) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String spec : specs) {
      int colon = spec.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("expected --header Name:Value, got " + spec);
      }
      headers.put(spec.substring(0, colon).trim(), spec.substring(colon + 1).trim());
    }
    return headers;
  }

  /** The value of a header, matched without regard to case, or null. */
  static String header(Map<String, String> headers, String name) {
    for (Map.Entry<String, String> header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase(name)) {
        return header.getValue();
      }
    }
    return null;
  }
}
