package io.narthex.ingester.sim;

import io.narthex.ingester.Ingester;
import io.narthex.ingester.LocalBlocks;
import io.narthex.tsdb.storage.ChunkSeries;
import io.narthex.tsdb.storage.ChunkedSeries;
import io.narthex.tsdb.storage.SampleIterator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one replica of a shard serves: every sample of its heads and local blocks, keyed as {@link SampleLedger}
 * keys them, and the local blocks it lists.
 *
 * @param samples values read per key; more than one value means the sample is stored more than once
 * @param blocks the local blocks as {@code tenant/ULID [minTimeMs, maxTimeMs) shipped?}
 */
record ReplicaContents(Map<String, List<Double>> samples, List<String> blocks) {
  private static final long MIN_TIME_MS = 0;
  private static final long MAX_TIME_MS = Long.MAX_VALUE / 4;

  /** Reads a replica through {@link Ingester#select}, as queries do. */
  static ReplicaContents read(Ingester ingester) {
    Map<String, List<Double>> samples = new TreeMap<>();
    List<String> blocks = new ArrayList<>();
    for (String tenant : ingester.tenants()) {
      addSamples(samples, tenant, ingester.select(tenant, MIN_TIME_MS, MAX_TIME_MS, List.of()));
    }
    for (LocalBlocks.Block block : ingester.localBlocks().all()) {
      blocks.add(block.tenant() + "/" + block.ulid() + " [" + block.minTimeMs() + ", " + block.maxTimeMs() + ")"
          + (block.shipped() ? " shipped" : ""));
    }
    return new ReplicaContents(samples, blocks);
  }

  /**
   * These samples plus those of the uploaded blocks this replica no longer lists (they left it once shipped the
   * retention ago): all the cluster holds of the shard, as this replica and object storage together serve it.
   */
  Map<String, List<Double>> withShipped(LocalBlocks uploaded, Ingester ingester) {
    Map<String, List<Double>> all = new TreeMap<>();
    samples.forEach((key, values) -> all.put(key, new ArrayList<>(values)));
    Set<String> local = new TreeSet<>();
    for (LocalBlocks.Block block : ingester.localBlocks().all()) {
      local.add(block.tenant() + "/" + block.ulid());
    }
    for (LocalBlocks.Block block : uploaded.all()) {
      if (local.contains(block.tenant() + "/" + block.ulid())) {
        continue;
      }
      try {
        addSamples(all, block.tenant(), block.reader().select(MIN_TIME_MS, MAX_TIME_MS, List.of()));
      } catch (IOException e) {
        throw new UncheckedIOException("reading uploaded block " + block.dir(), e);
      }
    }
    return all;
  }

  private static void addSamples(Map<String, List<Double>> out, String tenant, List<ChunkSeries> series) {
    for (ChunkSeries s : series) {
      SampleIterator it = new ChunkedSeries(s, MIN_TIME_MS, MAX_TIME_MS).iterator();
      String prefix = SampleLedger.seriesKey(tenant, s.labels().get("shard"), s.labels().get("writer"),
          s.labels().get("series"));
      while (it.next()) {
        out.computeIfAbsent(prefix + it.timestampMs(), k -> new ArrayList<>(1)).add(it.value());
      }
    }
  }

  /** Up to {@code limit} differences from another replica's contents, empty when they hold the same. */
  List<String> differences(ReplicaContents other, int limit) {
    List<String> out = new ArrayList<>();
    if (!blocks.equals(other.blocks)) {
      out.add("local blocks " + blocks + " vs " + other.blocks);
    }
    Set<String> keys = new TreeSet<>(samples.keySet());
    keys.addAll(other.samples.keySet());
    for (String key : keys) {
      if (out.size() >= limit) {
        break;
      }
      List<Double> mine = samples.get(key);
      List<Double> theirs = other.samples.get(key);
      if (mine == null || !mine.equals(theirs)) {
        out.add(key + ": " + mine + " vs " + theirs);
      }
    }
    return out;
  }
}
