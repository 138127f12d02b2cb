package io.narthex.app;

import picocli.CommandLine.Option;

/**
 * Queries over several tenants (Mimir's {@code tenant_federation} block). A mixin of {@link NarthexOptions}, reached
 * as {@code options.tenantFederation}: each option's flag, YAML path ({@code descriptionKey}), default and help are
 * declared here once, and the CLI, {@code --config.file} and docs/configuration.md are all generated from it.
 */
public final class TenantFederationOptions {
  @Option(names = {"--tenant-federation.enabled", "-tenant-federation.enabled"},
      descriptionKey = "tenant_federation.enabled", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      description = "read requests (query, query_range, series, labels, label values, metadata, query_exemplars, "
          + "federate) may name several tenants separated by `|` in `X-Scope-OrgID`, answered from all of them "
          + "with a `__tenant_id__` label on every series (an existing one is kept as `original___tenant_id__`). "
          + "Writes, delete_series and block upload stay single-tenant. Mimir's flag")
  public boolean enabled = false;

  @Option(names = {"--tenant-federation.max-tenants", "-tenant-federation.max-tenants"},
      descriptionKey = "tenant_federation.max_tenants", defaultValue = "0",
      description = "most distinct tenants one federated request may name; more gets 400 "
          + "`err-narthex-tenant-federation-max-tenants`; `0` = unlimited (Mimir's default)")
  public int maxTenants = 0;

  @Option(names = {"--tenant-federation.max-concurrent", "-tenant-federation.max-concurrent"},
      descriptionKey = "tenant_federation.max_concurrent", defaultValue = "16",
      description = "most per-tenant sub-queries of one federated request running at once (Mimir's default)")
  public int maxConcurrent = 16;
}
