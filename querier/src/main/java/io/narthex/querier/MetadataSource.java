package io.narthex.querier;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One tenant's metric metadata, as {@code /api/v1/metadata} serves it: per metric family, its distinct (type, help,
 * unit) entries. Tenant federation merges the sources of several tenants with {@link #merge}.
 */
@FunctionalInterface
public interface MetadataSource {
  /**
   * One metadata entry, with Prometheus's JSON values.
   *
   * @param type Prometheus's metric type name, lower case: counter, gauge, histogram, gaugehistogram, summary, info,
   *     stateset or unknown
   */
  record Metadata(String type, String help, String unit) {}

  /**
   * The families sorted by name, each with its distinct entries, oldest first.
   *
   * @param metric only this family when not empty
   * @throws io.narthex.tsdb.storage.StorageException when a part of the storage did not answer: never a partial
   *     answer
   */
  SortedMap<String, List<Metadata>> metadata(String metric);

  /** The union of several answers: families sorted by name, a family's entries distinct, in order of first sight. */
  static SortedMap<String, List<Metadata>> merge(List<SortedMap<String, List<Metadata>>> answers) {
    TreeMap<String, LinkedHashSet<Metadata>> merged = new TreeMap<>();
    for (SortedMap<String, List<Metadata>> answer : answers) {
      answer.forEach((family, entries) -> merged.computeIfAbsent(family, f -> new LinkedHashSet<>()).addAll(entries));
    }
    TreeMap<String, List<Metadata>> out = new TreeMap<>();
    for (Map.Entry<String, LinkedHashSet<Metadata>> family : merged.entrySet()) {
      out.put(family.getKey(), List.copyOf(family.getValue()));
    }
    return out;
  }
}
