package io.narthex.blocks;

/**
 * Tenant ids from the {@code X-Scope-OrgID} header, checked as Mimir (and our distributor) check them: at most
 * 150 characters of letters, digits and {@code !-_.*'()}, and neither {@code .} nor {@code ..}.
 */
final class TenantIds {
  static final String HEADER = "X-Scope-OrgID";
  /** The tenant of every request when multitenancy is disabled. */
  static final String ANONYMOUS = "anonymous";
  static final int MAX_LENGTH = 150;

  private TenantIds() {}

  /**
   * The request's tenant.
   *
   * @param headerValue the header's value, or null when absent
   * @throws IllegalArgumentException (an HTTP 401) when multitenancy is on and the header is missing or invalid
   */
  static String resolve(String headerValue, boolean multitenancyEnabled) {
    if (!multitenancyEnabled) {
      return ANONYMOUS;
    }
    if (headerValue == null || headerValue.isEmpty()) {
      throw new IllegalArgumentException("no org id");
    }
    if (headerValue.indexOf('|') >= 0) {
      throw new IllegalArgumentException("multiple org ids are not supported here: " + headerValue);
    }
    if (headerValue.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("tenant ID is too long: max " + MAX_LENGTH + " characters");
    }
    if (headerValue.equals(".") || headerValue.equals("..")) {
      throw new IllegalArgumentException("tenant ID is '.' or '..'");
    }
    for (int i = 0; i < headerValue.length(); i++) {
      char c = headerValue.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!-_.*'()".indexOf(c) >= 0;
      if (!ok) {
        throw new IllegalArgumentException("tenant ID '" + headerValue + "' contains unsupported character '" + c + "'");
      }
    }
    return headerValue;
  }
}
