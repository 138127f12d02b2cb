package io.narthex.common;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;

/**
 * The tenant of an HTTP request, told the same way by every endpoint: its {@code X-Scope-OrgID} header, as Mimir
 * reads it, or, with {@code -auth.tenant-from-basic-auth}, the user name of its HTTP basic auth (RFC 7617), as hosted
 * Mimir gateways take it, for clients that cannot send headers (Prometheus 2.42's remote write, promtool). The
 * password is never looked at: authenticating the user is the job of a proxy in front of Narthex.
 *
 * <p>A user name is checked exactly as a header value is ({@link Tenant#resolve}, same messages), so {@code a|b} is
 * refused or federated as the header would be. When a request names its tenant both ways, the two must be equal
 * strings.
 *
 * @param multitenancyEnabled {@code -auth.multitenancy-enabled}: when false every request is {@link Tenant#ANONYMOUS}
 *     and neither header is read
 * @param tenantFromBasicAuth {@code -auth.tenant-from-basic-auth}: whether a basic-auth user name names the tenant;
 *     when false the Authorization header is ignored
 */
public record TenantResolver(boolean multitenancyEnabled, boolean tenantFromBasicAuth) {
  /** Mimir's defaults: the header is required, basic auth ignored. */
  public static final TenantResolver DEFAULT = new TenantResolver(true, false);
  /** No multitenancy: every request is {@link Tenant#ANONYMOUS}. */
  public static final TenantResolver ANONYMOUS = new TenantResolver(false, false);

  private static final String BASIC = "Basic ";

  /**
   * The single tenant of a request.
   *
   * @param orgIdHeader the {@code X-Scope-OrgID} value, or null when absent
   * @param authorizationHeader the {@code Authorization} value, or null when absent
   * @throws Tenant.InvalidTenantException 401 when no valid tenant is named (or {@code a|b}); 400
   *     {@link ErrorId#TENANT_HEADER_AND_BASIC_AUTH_DIFFER} or {@link ErrorId#MALFORMED_BASIC_AUTH}
   */
  public String resolve(String orgIdHeader, String authorizationHeader) {
    if (!multitenancyEnabled) {
      return Tenant.ANONYMOUS;
    }
    return Tenant.resolve(named(orgIdHeader, authorizationHeader), true);
  }

  /**
   * The tenants of a read request under tenant federation: every id of {@code a|b|c}, each checked as a single id,
   * sorted and de-duplicated, as dskit's {@code tenant.TenantIDs}; one id gives a list of one.
   *
   * @throws Tenant.InvalidTenantException as {@link #resolve}, for the first invalid id
   */
  public List<String> resolveFederated(String orgIdHeader, String authorizationHeader) {
    if (!multitenancyEnabled) {
      return List.of(Tenant.ANONYMOUS);
    }
    String named = named(orgIdHeader, authorizationHeader);
    if (named == null || named.indexOf('|') < 0) {
      return List.of(Tenant.resolve(named, true));
    }
    TreeSet<String> ids = new TreeSet<>();
    for (String id : named.split("\\|", -1)) {
      ids.add(Tenant.resolve(id, true));
    }
    return List.copyOf(ids);
  }

  /**
   * The single tenant of a request that may name none, as {@link #resolve}, but null when multitenancy is on and
   * the request names no tenant at all.
   */
  public String resolveIfNamed(String orgIdHeader, String authorizationHeader) {
    if (!multitenancyEnabled) {
      return Tenant.ANONYMOUS;
    }
    String named = named(orgIdHeader, authorizationHeader);
    return named == null ? null : Tenant.resolve(named, true);
  }

  /** The raw tenant the request names, unchecked: the header, else the basic-auth user name; null when neither. */
  private String named(String orgIdHeader, String authorizationHeader) {
    String header = orgIdHeader == null || orgIdHeader.isEmpty() ? null : orgIdHeader;
    String user = tenantFromBasicAuth ? basicAuthUser(authorizationHeader) : null;
    if (header != null && user != null && !header.equals(user)) {
      throw new Tenant.InvalidTenantException(ErrorId.TENANT_HEADER_AND_BASIC_AUTH_DIFFER, "the " + Tenant.HEADER
          + " header names tenant '" + header + "' but the basic-auth user name is '" + user
          + "'; send one of them, or the same tenant in both");
    }
    return header != null ? header : user;
  }

  /**
   * The user name of {@code Basic <base64(user:password)>} (scheme case-insensitive, as Go's
   * {@code Request.BasicAuth}); null when the header is absent, of another scheme (such as a proxy's Bearer token),
   * or names an empty user.
   *
   * @throws Tenant.InvalidTenantException 400 {@link ErrorId#MALFORMED_BASIC_AUTH} when the credentials are not
   *     base64 or have no {@code :}
   */
  static String basicAuthUser(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
      return null;
    }
    String credentials;
    try {
      credentials = new String(Base64.getDecoder().decode(authorizationHeader.substring(BASIC.length()).strip()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Tenant.InvalidTenantException(ErrorId.MALFORMED_BASIC_AUTH,
          "the Authorization header's Basic credentials are not valid base64: " + e.getMessage());
    }
    int colon = credentials.indexOf(':');
    if (colon < 0) {
      throw new Tenant.InvalidTenantException(ErrorId.MALFORMED_BASIC_AUTH,
          "the Authorization header's Basic credentials have no ':' between user name and password");
    }
    return colon == 0 ? null : credentials.substring(0, colon);
  }
}
