package io.narthex.common;

/**
 * Tenant ids from the {@code X-Scope-OrgID} header, checked as Mimir checks them: at most 150 characters of
 * letters, digits and {@code !-_.*'()}, and neither {@code .} nor {@code ..}.
 */
public final class Tenant {
  /** The request header naming the tenant. */
  public static final String HEADER = "X-Scope-OrgID";
  /** The tenant of every request when multitenancy is disabled. */
  public static final String ANONYMOUS = "anonymous";
  /** Longest tenant id, in characters. */
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
    String invalid = whyInvalid(headerValue);
    if (invalid != null) {
      throw new InvalidTenantException(invalid);
    }
    return headerValue;
  }

  /**
   * Whether {@code tenant} is a valid single tenant id, as {@link #resolve} accepts it: then it is also safe as a
   * directory name (no separator, neither {@code .} nor {@code ..}).
   */
  public static boolean isValid(String tenant) {
    return tenant != null && !tenant.isEmpty() && whyInvalid(tenant) == null;
  }

  /** What is wrong with a non-empty single tenant id, as Mimir's {@code tenant.ValidTenantID} says, or null. */
  private static String whyInvalid(String tenant) {
    if (tenant.length() > MAX_LENGTH) {
      return "tenant ID is too long: max " + MAX_LENGTH + " characters";
    }
    if (tenant.equals(".") || tenant.equals("..")) {
      return "tenant ID is '.' or '..'";
    }
    for (int i = 0; i < tenant.length(); i++) {
      char c = tenant.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!-_.*'()".indexOf(c) >= 0;
      if (!ok) {
        return "tenant ID '" + tenant + "' contains unsupported character '" + c + "'";
      }
    }
    return null;
  }

  /**
   * The request names no valid tenant: HTTP 401 with Mimir's message, or the status of an {@link ErrorId} when the
   * request names its tenant in two ways that disagree, or in a malformed way (see {@link TenantResolver}).
   */
  public static final class InvalidTenantException extends IllegalArgumentException {
    private final int httpStatus;

    /** A 401: no tenant, or an invalid one. */
    public InvalidTenantException(String message) {
      super(message);
      this.httpStatus = 401;
    }

    /** {@code detail} with the id appended, answered with the id's status. */
    public InvalidTenantException(ErrorId id, String detail) {
      super(id.withId(detail));
      this.httpStatus = id.httpStatus();
    }

    /** The HTTP status of the answer: 401, or 400 for a conflicting or malformed tenant. */
    public int httpStatus() {
      return httpStatus;
    }
  }
}
