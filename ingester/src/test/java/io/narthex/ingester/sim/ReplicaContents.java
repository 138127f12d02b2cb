package io.narthex.ingester.sim;

import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.LocalBlocks;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.WindowedSeries;
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

  /** Reads a replica through {@link ShardHeads#select}, as queries do. */
  static ReplicaContents read(ShardHeads ingester) {
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
   * retention ago): all the cluster serves of the shard through this replica and the store-gateways. A head chunk
   * that straddled a cut block's end keeps the block's last samples after the block left, so object storage may
   * repeat samples the replica holds; queriers merge those to one sample per timestamp, so a repeat with the same
   * value is served once and counted once here. A repeat with another value, or a sample in two uploaded blocks
   * (a range cut twice), stays in the list as a second value.
   */
  Map<String, List<Double>> withShipped(LocalBlocks uploaded, ShardHeads ingester) {
    Set<String> local = new TreeSet<>();
    for (LocalBlocks.Block block : ingester.localBlocks().all()) {
      local.add(block.tenant() + "/" + block.ulid());
    }
    Map<String, List<Double>> shipped = new TreeMap<>();
    for (LocalBlocks.Block block : uploaded.all()) {
      if (local.contains(block.tenant() + "/" + block.ulid())) {
        continue;
      }
      try {
        addSamples(shipped, block.tenant(), block.reader().select(MIN_TIME_MS, MAX_TIME_MS, List.of()));
      } catch (IOException e) {
        throw new UncheckedIOException("reading uploaded block " + block.dir(), e);
      }
    }
    Map<String, List<Double>> all = new TreeMap<>();
    samples.forEach((key, values) -> all.put(key, new ArrayList<>(values)));
    shipped.forEach((key, values) -> {
      List<Double> held = all.get(key);
      if (held == null) {
        all.put(key, new ArrayList<>(values));
      } else if (values.size() > 1 || !values.equals(held)) {
        held.addAll(values);
      }
    });
    return all;
  }

  /**
   * Where a replica and object storage hold the sample under {@code key}, for a failure message: {@code head},
   * {@code local <ULID>} and {@code uploaded <ULID> [minTime, maxTime)} (from its meta.json), once per copy.
   */
  static List<String> sourcesOf(String key, LocalBlocks uploaded, ShardHeads ingester) {
    String tenant = key.substring(0, key.indexOf('|'));
    List<String> out = new ArrayList<>();
    var head = ingester.head(tenant);
    if (head != null) {
      addSource(out, key, "head", tenant, head.selectChunks(MIN_TIME_MS, MAX_TIME_MS, List.of()));
    }
    try {
      for (LocalBlocks.Block block : ingester.localBlocks().blocks(tenant)) {
        addSource(out, key, "local " + block.ulid(), tenant, block.reader().select(MIN_TIME_MS, MAX_TIME_MS,
            List.of()));
      }
      for (LocalBlocks.Block block : uploaded.blocks(tenant)) {
        String meta = java.nio.file.Files.readString(block.dir().resolve("meta.json"));
        addSource(out, key, "uploaded " + block.ulid() + " " + meta.replaceAll("\\s+", "").replaceAll(
            ".*\"minTime\":(-?\\d+),\"maxTime\":(-?\\d+).*", "[$1, $2)"), tenant,
            block.reader().select(MIN_TIME_MS, MAX_TIME_MS, List.of()));
      }
    } catch (IOException e) {
      out.add("unreadable: " + e);
    }
    return out;
  }

  private static void addSource(List<String> out, String key, String source, String tenant,
      List<EncodedSeries> series) {
    Map<String, List<Double>> samples = new TreeMap<>();
    addSamples(samples, tenant, series);
    List<Double> values = samples.get(key);
    if (values != null) {
      for (int i = 0; i < values.size(); i++) {
        out.add(source);
      }
    }
  }

  private static void addSamples(Map<String, List<Double>> out, String tenant, List<EncodedSeries> series) {
    for (EncodedSeries s : series) {
      SampleIterator it = new WindowedSeries(s, MIN_TIME_MS, MAX_TIME_MS).iterator();
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
