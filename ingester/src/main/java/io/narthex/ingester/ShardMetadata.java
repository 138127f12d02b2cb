package io.narthex.ingester;

import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.proto.prompb.MetricMetadata;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One shard replica's metric metadata, per tenant: for each metric family, its distinct (type, help, unit)
 * entries in the order first seen, as Prometheus's {@code /api/v1/metadata} lists several per metric and Mimir's
 * ingesters keep a set per metric. Applied from the log ({@code PushRequest.metadata}), so every replica holds the
 * same; bounded by {@link MetadataLimits}. Not thread-safe for writes: the shard's apply thread writes, readers
 * take a copy under the same lock.
 *
 * <p>An entry is forgotten once it was not sent again for the retain period, measured on the distributors' clock
 * that travels in the entries ({@code metadata_received_ms}), never the replica's own, so replicas forget the same
 * entries at the same log position. A {@code TruncateHead} also forgets the tenant's entries last sent before its
 * time, so that a tenant that stopped sending loses its metadata with its head data. A retain period of zero
 * forgets nothing.
 */
public final class ShardMetadata {
  /** Longest family name or unit kept, in chars: Mimir's {@code -validation.max-metadata-length} default. */
  static final int MAX_NAME_CHARS = 1024;

  /** Why an entry was not stored; the value is the {@code reason} label, Mimir's where it has one. */
  enum Refusal {
    PER_USER_LIMIT("per_user_metadata_limit"),
    PER_METRIC_LIMIT("per_metric_metadata_limit"),
    MISSING_METRIC_NAME("metadata_missing_metric_name"),
    TOO_LONG("metadata_too_long"),
    MALFORMED("metadata_malformed");

    final String label;

    Refusal(String label) {
      this.label = label;
    }
  }

  /** One distinct metadata of a family; {@code type} is the remote-write {@code MetricType} number. */
  public record Entry(int type, String help, String unit) {}

  /** A family's entries, oldest first. */
  public record Family(String name, List<Entry> entries) {}

  private static final class Tenant {
    final TreeMap<String, LinkedHashMap<Entry, long[]>> families = new TreeMap<>();
    /** Largest {@code metadata_received_ms} applied: the clock entries are forgotten by. */
    long clockMs = Long.MIN_VALUE;
    long lastSweepMs = Long.MIN_VALUE;
  }

  private final MetadataLimits limits;
  private final Map<String, Tenant> tenants = new HashMap<>();

  ShardMetadata(MetadataLimits limits) {
    this.limits = limits;
  }

  MetadataLimits limits() {
    return limits;
  }

  /** What {@link #apply} did: entries stored or refreshed, and per refusal how many, with the first family. */
  record Applied(int stored, Map<Refusal, Integer> refused, String firstRefusedFamily) {}

  /**
   * Stores the tenant's encoded {@code prometheus.MetricMetadata} entries, received at {@code receivedMs}
   * (distributor clock). Help longer than {@link PushEntryBuilder#MAX_HELP_CHARS} is cut; a family name or unit
   * longer than {@link #MAX_NAME_CHARS}, a missing family name, a malformed entry, or an entry past a limit is
   * refused and counted, never an error.
   *
   * @param encoded the entries' bytes, in log order
   */
  synchronized Applied apply(String tenant, List<java.nio.ByteBuffer> encoded, long receivedMs) {
    Tenant state = tenants.computeIfAbsent(tenant, t -> new Tenant());
    state.clockMs = Math.max(state.clockMs, receivedMs);
    int stored = 0;
    Map<Refusal, Integer> refused = new java.util.EnumMap<>(Refusal.class);
    String firstRefused = null;
    for (java.nio.ByteBuffer bytes : encoded) {
      MetricMetadata metadata;
      try {
        metadata = MetricMetadata.parseFrom(bytes);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        refused.merge(Refusal.MALFORMED, 1, Integer::sum);
        continue;
      }
      String name = metadata.getMetricFamilyName();
      Refusal refusal = store(state, metadata, receivedMs);
      if (refusal == null) {
        stored++;
      } else {
        refused.merge(refusal, 1, Integer::sum);
        firstRefused = firstRefused == null ? name : firstRefused;
      }
    }
    long retainMs = limits.retainPeriod().toMillis();
    // Sweeping at most every tenth of the period bounds the work; the sweep time is in the snapshot.
    if (retainMs > 0 && (state.lastSweepMs == Long.MIN_VALUE || state.clockMs - state.lastSweepMs >= retainMs / 10)) {
      state.lastSweepMs = state.clockMs;
      forget(tenant, state, state.clockMs - retainMs);
    }
    if (state.families.isEmpty()) {
      tenants.remove(tenant);
    }
    return new Applied(stored, refused, firstRefused);
  }

  private Refusal store(Tenant state, MetricMetadata metadata, long receivedMs) {
    String name = metadata.getMetricFamilyName();
    if (name.isEmpty()) {
      return Refusal.MISSING_METRIC_NAME;
    }
    if (name.length() > MAX_NAME_CHARS || metadata.getUnit().length() > MAX_NAME_CHARS) {
      return Refusal.TOO_LONG;
    }
    Entry entry = new Entry(metadata.getTypeValue(), PushEntryBuilder.truncateHelp(metadata.getHelp()),
        metadata.getUnit());
    LinkedHashMap<Entry, long[]> family = state.families.get(name);
    if (family == null) {
      if (limits.maxPerUser() > 0 && state.families.size() >= limits.maxPerUser()) {
        return Refusal.PER_USER_LIMIT;
      }
      family = new LinkedHashMap<>(4);
      state.families.put(name, family);
    }
    long[] lastSeenMs = family.get(entry);
    if (lastSeenMs != null) {
      lastSeenMs[0] = Math.max(lastSeenMs[0], receivedMs);
      return null;
    }
    if (limits.maxPerMetric() > 0 && family.size() >= limits.maxPerMetric()) {
      return Refusal.PER_METRIC_LIMIT;
    }
    family.put(entry, new long[] {receivedMs});
    return null;
  }

  /** Forgets the tenant's entries last sent before {@code beforeMs} (a {@code TruncateHead}'s time). */
  synchronized void forgetBefore(String tenant, long beforeMs) {
    Tenant state = tenants.get(tenant);
    if (state != null && limits.retainPeriod().toMillis() > 0) {
      forget(tenant, state, beforeMs);
    }
  }

  private void forget(String tenant, Tenant state, long beforeMs) {
    for (Iterator<LinkedHashMap<Entry, long[]>> families = state.families.values().iterator(); families.hasNext(); ) {
      LinkedHashMap<Entry, long[]> family = families.next();
      family.values().removeIf(lastSeenMs -> lastSeenMs[0] < beforeMs);
      if (family.isEmpty()) {
        families.remove();
      }
    }
    if (state.families.isEmpty()) {
      tenants.remove(tenant);
    }
  }

  /** The tenant's families sorted by name, or only {@code metric} when not empty; entries oldest first. */
  synchronized List<Family> families(String tenant, String metric) {
    Tenant state = tenants.get(tenant);
    if (state == null) {
      return List.of();
    }
    Map<String, LinkedHashMap<Entry, long[]>> picked = metric.isEmpty() ? state.families
        : state.families.containsKey(metric) ? Map.of(metric, state.families.get(metric)) : Map.of();
    List<Family> out = new ArrayList<>(picked.size());
    picked.forEach((name, family) -> out.add(new Family(name, List.copyOf(family.keySet()))));
    return out;
  }

  /** Distinct entries of the tenant over every family. */
  synchronized int entryCount(String tenant) {
    Tenant state = tenants.get(tenant);
    return state == null ? 0 : state.families.values().stream().mapToInt(Map::size).sum();
  }

  /**
   * Writes every tenant's metadata (ingester-snapshot.md, version 5): tenant count, then per tenant in id order its
   * id, clock and last sweep (ms), family count, and per family its name and entries (type, help, unit, last sent
   * ms), oldest first.
   */
  synchronized void write(DataOutputStream out) throws IOException {
    out.writeInt(tenants.size());
    for (Map.Entry<String, Tenant> tenant : new TreeMap<>(tenants).entrySet()) {
      Tenant state = tenant.getValue();
      out.writeUTF(tenant.getKey());
      out.writeLong(state.clockMs);
      out.writeLong(state.lastSweepMs);
      out.writeInt(state.families.size());
      for (Map.Entry<String, LinkedHashMap<Entry, long[]>> family : state.families.entrySet()) {
        out.writeUTF(family.getKey());
        out.writeInt(family.getValue().size());
        for (Map.Entry<Entry, long[]> entry : family.getValue().entrySet()) {
          out.writeInt(entry.getKey().type());
          out.writeUTF(entry.getKey().help());
          out.writeUTF(entry.getKey().unit());
          out.writeLong(entry.getValue()[0]);
        }
      }
    }
  }

  private static int count(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0) {
      throw new IOException("corrupt metadata in snapshot: count " + count);
    }
    return count;
  }

  /** Reads what {@link #write} wrote, replacing nothing: the store must be empty. */
  synchronized void read(DataInputStream in) throws IOException {
    int tenantCount = count(in);
    for (int t = 0; t < tenantCount; t++) {
      Tenant state = new Tenant();
      tenants.put(in.readUTF(), state);
      state.clockMs = in.readLong();
      state.lastSweepMs = in.readLong();
      int familyCount = count(in);
      for (int f = 0; f < familyCount; f++) {
        String name = in.readUTF();
        int entryCount = count(in);
        LinkedHashMap<Entry, long[]> family = new LinkedHashMap<>(Math.min(entryCount, 16));
        for (int e = 0; e < entryCount; e++) {
          family.put(new Entry(in.readInt(), in.readUTF(), in.readUTF()), new long[] {in.readLong()});
        }
        state.families.put(name, family);
      }
    }
  }
}
