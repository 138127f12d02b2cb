package io.narthex.ruler;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Rule groups in object storage, one object per group at
 * {@code <root>rules/<tenant>/<base64url(namespace)>/<base64url(group)>} as Mimir's bucket rule store lays them out
 * below its storage prefix (padded URL-safe base64, Go's {@code base64.URLEncoding}). In the blocks bucket the root is
 * {@link #BLOCKS_BUCKET_ROOT}, which tenant listings skip. The object holds the group as YAML rather than Mimir's
 * protobuf {@code RuleGroupDesc}; see docs/format/bucket-layout.md. Objects whose names do not decode are skipped, as
 * Mimir skips them.
 */
public final class BucketRuleStore implements RuleStore {
  /**
   * The root of the rule store in the blocks bucket: its top-level entries are tenants, and names starting with
   * {@code __} are not, so rules there are never taken for a tenant named {@code rules}.
   */
  public static final String BLOCKS_BUCKET_ROOT = "__ruler__/";

  private final Bucket bucket;
  /** {@code <root>rules/}. */
  private final String prefix;

  /** @param root prefix of every object, empty or ending in {@code /}: {@link #BLOCKS_BUCKET_ROOT} in the blocks bucket */
  public BucketRuleStore(Bucket bucket, String root) {
    if (!root.isEmpty() && !root.endsWith("/")) {
      throw new IllegalArgumentException("rule store root must be empty or end in /: " + root);
    }
    this.bucket = bucket;
    this.prefix = root + "rules/";
  }

  /** The object name of a group. */
  String objectName(String tenant, String namespace, String groupName) {
    return namespacePrefix(tenant, namespace) + encode(groupName);
  }

  private String namespacePrefix(String tenant, String namespace) {
    return prefix + tenant + "/" + encode(namespace) + "/";
  }

  private static String encode(String s) {
    return Base64.getUrlEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** The namespace and group of an object name under the tenant's prefix, or null when it is not one. */
  private static String[] decode(String tenantPrefix, String name) {
    String[] parts = name.substring(tenantPrefix.length()).split("/", -1);
    if (parts.length != 2) {
      return null;
    }
    try {
      String namespace = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
      String group = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      return namespace.isEmpty() || group.isEmpty() ? null : new String[] {namespace, group};
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The (namespace, group) pairs stored for the tenant, only {@code namespace}'s when it is not null. */
  private List<String[]> keys(String tenant, String namespace) throws IOException {
    String tenantPrefix = prefix + tenant + "/";
    List<String[]> keys = new ArrayList<>();
    bucket.iter(namespace == null ? tenantPrefix : namespacePrefix(tenant, namespace), true, name -> {
      String[] key = decode(tenantPrefix, name);
      if (key != null) {
        keys.add(key);
      }
    });
    return keys;
  }

  @Override
  public List<String> tenants() throws IOException {
    List<String> tenants = new ArrayList<>();
    bucket.iter(prefix, false, name -> {
      if (name.endsWith("/")) {
        tenants.add(name.substring(prefix.length(), name.length() - 1));
      }
    });
    return tenants;
  }

  @Override
  public SortedMap<String, List<RuleGroup>> groups(String tenant, String namespace) throws IOException {
    SortedMap<String, List<RuleGroup>> out = new TreeMap<>();
    for (String[] key : keys(tenant, namespace)) {
      out.computeIfAbsent(key[0], k -> new ArrayList<>()).add(group(tenant, key[0], key[1]));
    }
    out.values().forEach(groups -> groups.sort(Comparator.comparing(RuleGroup::name)));
    return out;
  }

  @Override
  public RuleGroup group(String tenant, String namespace, String groupName) throws IOException {
    String name = objectName(tenant, namespace, groupName);
    byte[] yaml;
    try (InputStream in = bucket.get(name)) {
      yaml = in.readAllBytes();
    } catch (NoSuchObjectException e) {
      throw RuleGroupNotFoundException.group();
    }
    try {
      return RuleYaml.group(yaml);
    } catch (IllegalArgumentException e) {
      throw new IOException("stored rule group " + name + " cannot be read: " + e.getMessage(), e);
    }
  }

  @Override
  public GroupCount count(String tenant, String namespace, String groupName) throws IOException {
    List<String[]> keys = keys(tenant, null);
    boolean includes = keys.stream().anyMatch(k -> k[0].equals(namespace) && k[1].equals(groupName));
    return new GroupCount(keys.size(), includes);
  }

  @Override
  public void set(String tenant, String namespace, RuleGroup group) throws IOException {
    bucket.upload(objectName(tenant, namespace, group.name()), RuleYaml.write(group));
  }

  @Override
  public void delete(String tenant, String namespace, String groupName) throws IOException {
    String name = objectName(tenant, namespace, groupName);
    // Bucket deletes are idempotent, so ask first: a missing group is a 404, as in Mimir.
    if (!bucket.exists(name)) {
      throw RuleGroupNotFoundException.group();
    }
    bucket.delete(name);
  }

  @Override
  public void deleteNamespace(String tenant, String namespace) throws IOException {
    List<String[]> keys = keys(tenant, namespace);
    if (keys.isEmpty()) {
      throw RuleGroupNotFoundException.namespace();
    }
    for (String[] key : keys) {
      bucket.delete(objectName(tenant, key[0], key[1]));
    }
  }
}
