package io.narthex.querier;

/**
 * Mimir's tenant federation ({@code -tenant-federation.*}): with it on, a read request may name several tenants in
 * {@code X-Scope-OrgID} separated by {@code |}, and is answered from all of them, each series labelled with its
 * {@code __tenant_id__} (see {@link FederatedQueryable}).
 *
 * @param enabled whether {@code a|b} is read from both tenants; off, it is refused as a single invalid tenant id
 * @param maxTenants most distinct tenants one request may name, 0 = unlimited ({@code -tenant-federation.max-tenants})
 * @param maxConcurrent most per-tenant sub-queries of one request running at once
 *     ({@code -tenant-federation.max-concurrent}, Mimir's default 16)
 */
public record TenantFederation(boolean enabled, int maxTenants, int maxConcurrent) {
  /** Mimir's defaults: off, no tenant limit, 16 sub-queries at a time. */
  public static final TenantFederation DISABLED = new TenantFederation(false, 0, 16);

  /** @throws IllegalArgumentException when maxTenants is negative or maxConcurrent below 1, naming the flag */
  public TenantFederation {
    if (maxTenants < 0) {
      throw new IllegalArgumentException("-tenant-federation.max-tenants must be >= 0 (0 = unlimited), got "
          + maxTenants);
    }
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("-tenant-federation.max-concurrent must be >= 1, got " + maxConcurrent);
    }
  }
}
