package io.narthex.ruler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Read-only rule groups from Prometheus rule files on local disk, as Mimir's {@code local} rule store:
 * {@code <directory>/<tenant>/*.yaml} and {@code *.yml}, each file a namespace named after the file (extension
 * included). Files are read on every call, so edits show without a restart. A file that is not a valid Prometheus
 * rule file fails the read with its errors. Every write is refused with {@link ReadOnlyRuleStoreException}.
 */
public final class LocalRuleStore implements RuleStore {
  private static final String READ_ONLY =
      "the local rule store is read-only: edit the rule files of -ruler-storage.local.directory instead";

  private final Path directory;

  public LocalRuleStore(Path directory) {
    this.directory = directory;
  }

  @Override
  public List<String> tenants() throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  @Override
  public SortedMap<String, List<RuleGroup>> groups(String tenant, String namespace) throws IOException {
    SortedMap<String, List<RuleGroup>> out = new TreeMap<>();
    for (Path file : files(tenant)) {
      String fileName = file.getFileName().toString();
      if (namespace != null && !namespace.equals(fileName)) {
        continue;
      }
      List<RuleGroup> groups = new ArrayList<>(read(file));
      if (!groups.isEmpty()) {
        groups.sort(Comparator.comparing(RuleGroup::name));
        out.put(fileName, groups);
      }
    }
    return out;
  }

  @Override
  public RuleGroup group(String tenant, String namespace, String groupName) throws IOException {
    for (RuleGroup group : groups(tenant, namespace).getOrDefault(namespace, List.of())) {
      if (group.name().equals(groupName)) {
        return group;
      }
    }
    throw RuleGroupNotFoundException.group();
  }

  @Override
  public GroupCount count(String tenant, String namespace, String groupName) throws IOException {
    int groups = 0;
    boolean includes = false;
    for (var entry : groups(tenant, null).entrySet()) {
      groups += entry.getValue().size();
      includes |= entry.getKey().equals(namespace)
          && entry.getValue().stream().anyMatch(g -> g.name().equals(groupName));
    }
    return new GroupCount(groups, includes);
  }

  @Override
  public void set(String tenant, String namespace, RuleGroup group) throws IOException {
    throw new ReadOnlyRuleStoreException(READ_ONLY);
  }

  @Override
  public void delete(String tenant, String namespace, String groupName) throws IOException {
    throw new ReadOnlyRuleStoreException(READ_ONLY);
  }

  @Override
  public void deleteNamespace(String tenant, String namespace) throws IOException {
    throw new ReadOnlyRuleStoreException(READ_ONLY);
  }

  /** The tenant's rule files in name order; none when the tenant has no directory. */
  private List<Path> files(String tenant) throws IOException {
    try (Stream<Path> entries = Files.list(directory.resolve(tenant))) {
      return entries.filter(p -> {
        String name = p.getFileName().toString();
        return Files.isRegularFile(p) && (name.endsWith(".yaml") || name.endsWith(".yml"));
      }).sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  private static List<RuleGroup> read(Path file) throws IOException {
    List<RuleGroup> groups;
    try {
      groups = RuleYaml.file(Files.readAllBytes(file));
    } catch (IllegalArgumentException e) {
      throw new IOException("rule file " + file + " cannot be decoded: " + e.getMessage(), e);
    }
    List<String> errors = RuleValidator.validateFile(groups);
    if (!errors.isEmpty()) {
      throw new IOException("rule file " + file + " is invalid: " + String.join(", ", errors));
    }
    return groups;
  }
}
