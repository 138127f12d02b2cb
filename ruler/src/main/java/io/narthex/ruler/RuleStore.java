package io.narthex.ruler;

import java.io.IOException;
import java.util.List;
import java.util.SortedMap;

/**
 * Each tenant's rule groups, by namespace (the stand-in for a Prometheus rule file) and group name, as Mimir's
 * {@code rulestore.RuleStore}. Group names are unique within a namespace.
 */
public interface RuleStore {
  /**
   * The tenants that may have groups, in order (a tenant listed may turn out to have none).
   *
   * @throws IOException when storage fails
   */
  List<String> tenants() throws IOException;

  /**
   * The tenant's groups by namespace, namespaces in order and each namespace's groups in name order; only
   * {@code namespace}'s when it is not null. Empty when there are none.
   *
   * @throws IOException when storage fails or holds a group that cannot be read
   */
  SortedMap<String, List<RuleGroup>> groups(String tenant, String namespace) throws IOException;

  /**
   * One group.
   *
   * @throws RuleGroupNotFoundException when it does not exist
   */
  RuleGroup group(String tenant, String namespace, String groupName) throws IOException;

  /**
   * How many groups the tenant has in all namespaces, and whether one of them is {@code namespace}/{@code
   * groupName} (which setting that group replaces rather than adds).
   */
  GroupCount count(String tenant, String namespace, String groupName) throws IOException;

  /**
   * Creates or replaces the group named {@code group.name()} in {@code namespace}.
   *
   * @throws ReadOnlyRuleStoreException when this store cannot be written
   */
  void set(String tenant, String namespace, RuleGroup group) throws IOException;

  /**
   * Deletes one group.
   *
   * @throws RuleGroupNotFoundException when it does not exist
   * @throws ReadOnlyRuleStoreException when this store cannot be written
   */
  void delete(String tenant, String namespace, String groupName) throws IOException;

  /**
   * Deletes every group of a namespace.
   *
   * @throws RuleGroupNotFoundException when the namespace has no group
   * @throws ReadOnlyRuleStoreException when this store cannot be written
   */
  void deleteNamespace(String tenant, String namespace) throws IOException;

  /** A tenant's number of groups, and whether a given group is among them. */
  record GroupCount(int groups, boolean includesGroup) {}

  /** The group or namespace does not exist: Mimir's {@code ErrGroupNotFound} and {@code ErrGroupNamespaceNotFound}. */
  final class RuleGroupNotFoundException extends IOException {
    public RuleGroupNotFoundException(String message) {
      super(message);
    }

    static RuleGroupNotFoundException group() {
      return new RuleGroupNotFoundException("group does not exist");
    }

    static RuleGroupNotFoundException namespace() {
      return new RuleGroupNotFoundException("group namespace does not exist");
    }
  }

  /** A write to a store that only reads, such as the local one. */
  final class ReadOnlyRuleStoreException extends IOException {
    public ReadOnlyRuleStoreException(String message) {
      super(message);
    }
  }
}
