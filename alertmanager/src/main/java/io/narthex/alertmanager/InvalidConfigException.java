package io.narthex.alertmanager;

/**
 * An Alertmanager configuration that Narthex refuses: the message says what is wrong and where (a path such as
 * {@code route.routes[0].group_interval}), with Alertmanager's wording where Alertmanager has the same check.
 */
public final class InvalidConfigException extends IllegalArgumentException {
  private final boolean forbidden;

  InvalidConfigException(String message) {
    this(message, false);
  }

  InvalidConfigException(String message, boolean forbidden) {
    super(message);
    this.forbidden = forbidden;
  }

  /**
   * Whether Alertmanager itself would accept the configuration and only Mimir's rules for tenants refuse it (a file
   * read on the server, a proxy or TLS files).
   */
  public boolean forbidden() {
    return forbidden;
  }
}
