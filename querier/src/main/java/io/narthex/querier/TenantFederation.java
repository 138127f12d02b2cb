package io.narthex.querier;

import io.narthex.common.ErrorId;
import io.narthex.common.Tenant;
import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import io.narthex.tsdb.storage.Queryable;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BiFunction;

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

  /**
   * The storage of {@code tenants} read as one, with the semantics of a federated request (see
   * {@link FederatedQueryable}): every series labelled {@code __tenant_id__}, each tenant read through its own
   * Queryable (so under its own limits), at most {@link #maxConcurrent} at once, and no partial answer: a failing
   * tenant fails the read, naming it. Unlike a request naming one tenant, a list of one is labelled too, as Mimir's
   * ruler reads federated rule groups ({@code bypassForSingleQuerier=false} in {@code pkg/mimir/modules.go}). Does not
   * look at {@link #enabled}: the caller decides whether federation is allowed. Serves one query.
   *
   * @param tenants the tenant ids to read, in any order, duplicates allowed (read sorted and de-duplicated, as dskit's
   *     {@code NormalizeTenantIDs})
   * @param storageOf one tenant's storage, given where its warnings go (prefixed with the tenant)
   * @param warnings the query's warnings
   * @throws Tenant.InvalidTenantException when {@code tenants} is empty or an id is invalid
   * @throws PromQLException BAD_DATA when they are more than {@link #maxTenants} ({@code too many tenants, max: N,
   *     actual: M}, {@link ErrorId#TENANT_FEDERATION_MAX_TENANTS})
   */
  public Queryable queryable(List<String> tenants, BiFunction<String, List<String>, Queryable> storageOf,
      List<String> warnings) {
    TreeSet<String> ids = new TreeSet<>();
    for (String id : tenants) {
      ids.add(Tenant.resolve(id, true));
    }
    if (ids.isEmpty()) {
      throw new Tenant.InvalidTenantException("no org id");
    }
    if (maxTenants > 0 && ids.size() > maxTenants) {
      throw new PromQLException(ErrorType.BAD_DATA, ErrorId.TENANT_FEDERATION_MAX_TENANTS.withId(
          "too many tenants, max: " + maxTenants + ", actual: " + ids.size()));
    }
    return new FederatedQueryable(List.copyOf(ids), storageOf, warnings, maxConcurrent);
  }
}
