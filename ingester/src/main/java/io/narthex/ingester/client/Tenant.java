package io.narthex.ingester.client;

/**
 * Tenant ids from the {@code X-Scope-OrgID} header, checked as Mimir checks them: at most 150 characters of
 * letters, digits and {@code !-_.*'()}, and neither {@code .} nor {@code ..}.
 */
public final class Tenant {
  public static final String HEADER = "X-Scope-OrgID";
  /** The tenant of every request when multitenancy is disabled. */
  public static final String ANONYMOUS = "anonymous";
  public static final int MAX_LENGTH = 150;

  private Tenant() {}

  /**
   * Resolves the tenant of a request.
   *
   * @param headerValue the header's value, or null when absent
   * @throws InvalidTenantException (an HTTP 401) when multitenancy is on and the header is missing or invalid
   */
  public static String resolve(String headerValue, boolean multitenancyEnabled) {
    if (!multitenancyEnabled) {
      return ANONYMOUS;
    }
    if (headerValue == null || headerValue.isEmpty()) {
      throw new InvalidTenantException("no org id");
    }
    if (headerValue.indexOf('|') >= 0) {
      throw new InvalidTenantException("multiple org ids are not supported here: " + headerValue);
    }
    if (headerValue.length() > MAX_LENGTH) {
      throw new InvalidTenantException("tenant ID is too long: max " + MAX_LENGTH + " characters");
    }
    if (headerValue.equals(".") || headerValue.equals("..")) {
      throw new InvalidTenantException("tenant ID is '.' or '..'");
    }
    for (int i = 0; i < headerValue.length(); i++) {
      char c = headerValue.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!-_.*'()".indexOf(c) >= 0;
      if (!ok) {
        throw new InvalidTenantException("tenant ID '" + headerValue + "' contains unsupported character '" + c + "'");
      }
    }
    return headerValue;
  }

  /** The request names no valid tenant: HTTP 401. */
  public static final class InvalidTenantException extends RuntimeException {
    public InvalidTenantException(String message) {
      super(message);
    }
  }
}
