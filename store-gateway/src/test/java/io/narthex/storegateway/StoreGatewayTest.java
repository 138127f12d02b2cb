package io.narthex.storegateway;

import static io.narthex.storegateway.TestBlocks.BLOCK_RANGE_MS;
import static io.narthex.storegateway.TestBlocks.T0;
import static io.narthex.storegateway.TestBlocks.shipBlock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.narthex.blocks.BucketIndex;
import io.narthex.common.HashRing;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreGatewayTest {
  private static final String TENANT = "team-a";
  private static final long END_OF_TIME = Long.MAX_VALUE;

  @TempDir Path tmp;

  private Bucket bucket;
  private Path workDir;
  private Path dataDir;
  private final List<StoreGateway> gateways = new ArrayList<>();
  private PrometheusRegistry registry;

  @BeforeEach
  void setUp() throws IOException {
    bucket = Buckets.filesystem("blocks", tmp.resolve("bucket"));
    workDir = tmp.resolve("work");
    dataDir = tmp.resolve("data");
  }

  @AfterEach
  void tearDown() throws IOException {
    gateways.forEach(StoreGateway::close);
    bucket.close();
  }

  private StoreGateway start(StoreGatewayConfig config) throws IOException {
    registry = new PrometheusRegistry();
    StoreGateway gateway = new StoreGateway(config, bucket, registry);
    gateways.add(gateway);
    gateway.start();
    return gateway;
  }

  private StoreGateway start() throws IOException {
    return start(StoreGatewayConfig.defaults(dataDir));
  }

  private static List<Matcher> metric(String name) {
    return List.of(Matcher.equal(Labels.METRIC_NAME, name));
  }

  /** The registry of the gateway started last: each gets its own, as a process does. */
  private double gaugeValue(String name) {
    for (MetricSnapshot snapshot : registry.scrape()) {
      if (snapshot.getMetadata().getName().equals(name)) {
        return ((GaugeSnapshot) snapshot).getDataPoints().getFirst().getValue();
      }
    }
    throw new AssertionError("no metric " + name);
  }

  @Test
  void selectReturnsTheWrittenSeriesOfTheRequestedBlock() throws IOException {
    BlockMeta block = shipBlock(bucket, TENANT, workDir, 0, 3, "up", "http_requests_total");
    StoreGateway gateway = start();

    BlockQueryResult<List<EncodedSeries>> result =
        gateway.select(TENANT, List.of(block.ulid()), T0, T0 + BLOCK_RANGE_MS, metric("up"));

    assertThat(result.queriedBlocks()).containsExactly(block.ulid());
    assertThat(result.value()).extracting(EncodedSeries::labels).containsExactly(
        Labels.of("__name__", "up", "instance", "host-0", "tenant", TENANT),
        Labels.of("__name__", "up", "instance", "host-1", "tenant", TENANT),
        Labels.of("__name__", "up", "instance", "host-2", "tenant", TENANT));
    EncodedSeries first = result.value().getFirst();
    assertThat(TestBlocks.samples(first)).hasSize(120).startsWith(T0 + "=" + (double) (T0 / TestBlocks.STEP_MS));
  }

  @Test
  void readsAtMostMaxConcurrentBlocksAtOnce() throws Exception {
    List<String> ulids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ulids.add(shipBlock(bucket, TENANT, workDir, i, 1, "up").ulid());
    }
    StoreGateway gateway = new StoreGateway(StoreGatewayConfig.defaults(dataDir), bucket).withMaxConcurrent(2);
    gateways.add(gateway);
    gateway.start();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    // The first two reads wait for each other, so the peak reaches 2 however they are scheduled; each read then
    // waits (a little) for a third one to be in flight at the same time: without the bound all four are, and the
    // peak is above 2.
    CountDownLatch pair = new CountDownLatch(2);
    CountDownLatch third = new CountDownLatch(3);
    BlockQueryResult<List<Integer>> result = gateway.query(TENANT, ulids, T0, END_OF_TIME, reader -> {
      peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      pair.countDown();
      third.countDown();
      try {
        pair.await(10, TimeUnit.SECONDS);
        third.await(300, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inFlight.decrementAndGet();
      return 1;
    });
    assertThat(result.value()).hasSize(4);
    assertThat(peak.get()).isEqualTo(2);
    assertThat(gateway.select(TENANT, ulids, T0, END_OF_TIME, metric("up")).value()).hasSize(1);
  }

  @Test
  void mergesASeriesFoundInSeveralBlocksIntoOneWithChunksSortedByTime() throws IOException {
    BlockMeta second = shipBlock(bucket, TENANT, workDir, 1, 2, "up");
    BlockMeta first = shipBlock(bucket, TENANT, workDir, 0, 2, "up");
    StoreGateway gateway = start();

    BlockQueryResult<List<EncodedSeries>> result =
        gateway.select(TENANT, List.of(second.ulid(), first.ulid()), T0, END_OF_TIME, metric("up"));

    assertThat(result.queriedBlocks()).containsExactlyInAnyOrder(first.ulid(), second.ulid());
    assertThat(result.value()).hasSize(2);
    for (EncodedSeries series : result.value()) {
      assertThat(series.chunks()).extracting(EncodedChunk::minTimeMs).containsExactly(T0, T0 + BLOCK_RANGE_MS);
      assertThat(TestBlocks.samples(series)).hasSize(240).doesNotHaveDuplicates();
    }
  }

  @Test
  void answersLabelNamesAndValuesOfTheRequestedBlocks() throws IOException {
    BlockMeta upBlock = shipBlock(bucket, TENANT, workDir, 0, 2, "up");
    BlockMeta httpBlock = shipBlock(bucket, TENANT, workDir, 1, 3, "http_requests_total");
    StoreGateway gateway = start();
    List<String> both = List.of(upBlock.ulid(), httpBlock.ulid());

    assertThat(gateway.labelNames(TENANT, both, T0, END_OF_TIME, List.of()).value())
        .containsExactly("__name__", "instance", "tenant");
    assertThat(gateway.labelValues(TENANT, both, "__name__", T0, END_OF_TIME, List.of()).value())
        .containsExactly("http_requests_total", "up");
    BlockQueryResult<List<String>> instancesOfUp =
        gateway.labelValues(TENANT, List.of(upBlock.ulid()), "instance", T0, END_OF_TIME, metric("up"));
    assertThat(instancesOfUp.value()).containsExactly("host-0", "host-1");
    assertThat(instancesOfUp.queriedBlocks()).containsExactly(upBlock.ulid());
  }

  @Test
  void readsOnlyTheRequestedBlocksAndReportsOnlyThoseItHolds() throws IOException {
    BlockMeta first = shipBlock(bucket, TENANT, workDir, 0, 1, "up");
    shipBlock(bucket, TENANT, workDir, 1, 1, "up");
    StoreGateway gateway = start();
    String unknown = "01J00000000000000000000000";

    BlockQueryResult<List<EncodedSeries>> result =
        gateway.select(TENANT, List.of(first.ulid(), unknown), T0, END_OF_TIME, metric("up"));

    assertThat(result.queriedBlocks()).containsExactly(first.ulid());
    assertThat(result.value()).singleElement()
        .satisfies(series -> assertThat(series.chunks()).extracting(EncodedChunk::minTimeMs).containsExactly(T0));
  }

  @Test
  void writesTheIndexHeaderOfEachOwnedBlockToLocalDiskOnSync() throws IOException {
    BlockMeta block = shipBlock(bucket, TENANT, workDir, 0, 2, "up");
    StoreGateway gateway = start();

    assertThat(gateway.ownedBlockIds(TENANT)).containsExactly(block.ulid());
    Path header = dataDir.resolve(TENANT).resolve(block.ulid()).resolve("index-header");
    assertThat(header).isRegularFile();
    assertThat(Files.size(header)).isPositive();
  }

  @Test
  void loadsAnIndexHeaderOnFirstQueryAndUnloadsItAfterIdling() throws IOException {
    BlockMeta block = shipBlock(bucket, TENANT, workDir, 0, 2, "up");
    StoreGateway gateway =
        // 3 s: the assertions after a query must run before it idles out, whatever a loaded machine's pauses.
        start(StoreGatewayConfig.defaults(dataDir).withIndexHeaderIdleTimeout(Duration.ofSeconds(3)));
    assertThat(gateway.loadedBlocks()).isZero();
    assertThat(gateway.indexHeaderMemoryBytes()).isZero();

    gateway.select(TENANT, List.of(block.ulid()), T0, END_OF_TIME, metric("up"));
    assertThat(gateway.loadedBlocks()).isEqualTo(1);
    assertThat(gateway.indexHeaderMemoryBytes()).isPositive();
    assertThat(gaugeValue("narthex_storegateway_blocks_loaded")).isEqualTo(1);
    assertThat(gaugeValue("narthex_storegateway_blocks_owned")).isEqualTo(1);
    assertThat(gaugeValue("narthex_storegateway_index_header_memory_bytes"))
        .isEqualTo(gateway.indexHeaderMemoryBytes());

    await().atMost(Duration.ofSeconds(30)).until(() -> gateway.loadedBlocks() == 0);
    assertThat(gateway.indexHeaderMemoryBytes()).isZero();
    // Loaded again on the next query.
    assertThat(gateway.select(TENANT, List.of(block.ulid()), T0, END_OF_TIME, metric("up")).value()).hasSize(2);
    assertThat(gateway.loadedBlocks()).isEqualTo(1);
  }

  @Test
  void measuresTheMemoryOfALoadedIndexHeader() throws IOException {
    int instances = 1000;
    BlockMeta block = shipBlock(bucket, TENANT, workDir, 0, instances, "up");
    StoreGateway gateway = start();

    gateway.labelNames(TENANT, List.of(block.ulid()), T0, END_OF_TIME, List.of());

    long bytes = gateway.indexHeaderMemoryBytes();
    System.out.printf("index-header memory of a block with %d series (%d label values): %d bytes%n",
        instances, instances + 2, bytes);
    assertThat(bytes).isPositive();
  }

  @Test
  void buildsTheBucketIndexWhenATenantHasNone() throws IOException {
    BlockMeta block = shipBlock(bucket, TENANT, workDir, 0, 1, "up");
    bucket.delete(BucketIndex.path(TENANT));

    StoreGateway gateway = start();

    assertThat(gateway.ownedBlockIds(TENANT)).containsExactly(block.ulid());
    assertThat(bucket.exists(BucketIndex.path(TENANT))).isTrue();
  }

  @Test
  void dropsBlocksMarkedForDeletionAfterTheIgnoreDelayAndDeletesTheirLocalCopy() throws IOException {
    BlockMeta marked = shipBlock(bucket, TENANT, workDir, 0, 1, "up");
    BlockMeta kept = shipBlock(bucket, TENANT, workDir, 1, 1, "up");
    StoreGatewayConfig defaults = StoreGatewayConfig.defaults(dataDir);
    StoreGateway gateway = start(new StoreGatewayConfig(defaults.dataDir(), defaults.syncInterval(),
        defaults.indexHeaderIdleTimeout(), defaults.postingsCacheMaxSizeBytes(), defaults.seriesCacheMaxSizeBytes(),
        defaults.chunksCacheMaxSizeBytes(), defaults.instanceId(), defaults.gatewayIds(),
        defaults.replicationFactor(), Duration.ofMinutes(30)));
    gateway.select(TENANT, List.of(marked.ulid()), T0, END_OF_TIME, metric("up"));
    assertThat(gateway.ownedBlockIds(TENANT)).containsExactlyInAnyOrder(marked.ulid(), kept.ulid());

    // Marked just now: still served, since the block replacing it may not be found everywhere yet.
    BucketIndex index = BucketIndex.read(bucket, TENANT).orElseThrow();
    long nowSeconds = System.currentTimeMillis() / 1000;
    new BucketIndex(index.version(), index.blocks(),
        List.of(new BucketIndex.BlockDeletionMark(marked.ulid(), nowSeconds)),
        index.updatedAtSeconds()).write(bucket, TENANT);
    gateway.syncBlocks();
    assertThat(gateway.ownedBlockIds(TENANT)).containsExactlyInAnyOrder(marked.ulid(), kept.ulid());

    // Marked longer than the delay ago: dropped.
    new BucketIndex(index.version(), index.blocks(),
        List.of(new BucketIndex.BlockDeletionMark(marked.ulid(), nowSeconds - 31 * 60)),
        index.updatedAtSeconds()).write(bucket, TENANT);
    gateway.syncBlocks();

    assertThat(gateway.ownedBlockIds(TENANT)).containsExactly(kept.ulid());
    assertThat(gateway.loadedBlocks()).isZero();
    assertThat(dataDir.resolve(TENANT).resolve(marked.ulid())).doesNotExist();
    BlockQueryResult<List<EncodedSeries>> result =
        gateway.select(TENANT, List.of(marked.ulid(), kept.ulid()), T0, END_OF_TIME, metric("up"));
    assertThat(result.queriedBlocks()).containsExactly(kept.ulid());
  }

  @Test
  void picksUpNewBlocksOnThePeriodicSync() throws IOException {
    shipBlock(bucket, TENANT, workDir, 0, 1, "up");
    StoreGateway gateway = start(StoreGatewayConfig.defaults(dataDir).withSyncInterval(Duration.ofMillis(100)));
    assertThat(gateway.ownedBlocks()).isEqualTo(1);

    BlockMeta later = shipBlock(bucket, TENANT, workDir, 1, 1, "up");

    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.ownedBlockIds(TENANT).contains(later.ulid()));
    assertThat(gateway.select(TENANT, List.of(), T0, END_OF_TIME, metric("up")).value())
        .singleElement()
        .satisfies(series -> assertThat(series.chunks()).hasSize(2));
  }

  @Test
  void holdsOnlyTheBlocksTheRingGivesIt() throws IOException {
    List<String> ids = List.of("gw-0", "gw-1", "gw-2");
    HashRing ring = new HashRing(ids, 1);
    List<String> ulids = new ArrayList<>();
    // ULIDs are random: ship until gw-1 owns some blocks and not others, so the test can tell them apart.
    for (int i = 0; i < 9 || ulids.stream().allMatch(u -> ring.owns("gw-1", u))
        || ulids.stream().noneMatch(u -> ring.owns("gw-1", u)); i++) {
      ulids.add(shipBlock(bucket, TENANT, workDir, i, 1, "up").ulid());
    }
    StoreGateway gateway = start(TestBlocks.config(dataDir, "gw-1", ids, 1));

    List<String> expected = ulids.stream().filter(ulid -> ring.owns("gw-1", ulid)).sorted().toList();
    assertThat(gateway.ownedBlockIds(TENANT)).isEqualTo(expected);
    try (var tenantDir = Files.list(dataDir.resolve(TENANT))) {
      assertThat(tenantDir.map(dir -> dir.getFileName().toString()).sorted().toList()).isEqualTo(expected);
    }
  }

  @Test
  void followsRingChangesLoadingItsNewShareAtOnceAndKeepingTheBlocksItGaveUpUntilTheHandoverEnds() throws IOException {
    List<String> two = List.of("gw-0", "gw-1");
    List<String> three = List.of("gw-0", "gw-1", "gw-2");
    List<String> withoutGw1 = List.of("gw-0", "gw-2");
    List<String> ulids = new ArrayList<>();
    // ULIDs are random: ship until each change below moves some block.
    for (int i = 0; i < 6 || !moves(ulids, two, three, "gw-0", "gw-2")
        || !moves(ulids, three, withoutGw1, "gw-1", "gw-0"); i++) {
      ulids.add(shipBlock(bucket, TENANT, workDir, i, 1, "up").ulid());
    }
    // Syncs an hour apart: only a ring change can sync within the test.
    StoreGatewayConfig hourly = StoreGatewayConfig.defaults(dataDir).withSyncInterval(Duration.ofHours(1));
    StoreGateway gw0 = start(hourly.withRing("gw-0", two, 1), Duration.ofHours(1));
    StoreGateway gw1 = new StoreGateway(TestBlocks.config(tmp.resolve("gw-1"), "gw-1", two, 1)
        .withSyncInterval(Duration.ofHours(1)), bucket).withRingHandover(Duration.ZERO);
    gateways.add(gw1);
    gw1.start();
    // gw-2 is not in the ring yet: it owns nothing, as an ingester started before it joins.
    StoreGateway gw2 = new StoreGateway(TestBlocks.config(tmp.resolve("gw-2"), "gw-2", List.of("gw-2"), 1)
        .withSyncInterval(Duration.ofHours(1)), bucket);
    gateways.add(gw2);
    gw2.updateRing(two, 1);
    gw2.start();
    assertThat(gw2.ownedBlocks()).isZero();
    assertThat(gw0.ownedBlockIds(TENANT)).isEqualTo(owned(ulids, two, "gw-0"));

    for (StoreGateway gateway : gateways) {
      gateway.updateRing(three, 1);
    }

    await().atMost(Duration.ofSeconds(10))
        .until(() -> gw2.ownedBlockIds(TENANT).equals(owned(ulids, three, "gw-2")));
    gw0.syncBlocks();
    assertThat(gw0.ownedBlockIds(TENANT)).isEqualTo(owned(ulids, two, "gw-0"))
        .containsAnyElementsOf(owned(ulids, three, "gw-2"));
    assertThat(gw0.select(TENANT, owned(ulids, two, "gw-0"), T0, END_OF_TIME, metric("up")).queriedBlocks())
        .containsExactlyInAnyOrderElementsOf(owned(ulids, two, "gw-0"));

    // gw-1 leaves, with no handover: it gives its blocks up at once, and gw-0 loads its part of them at once.
    for (StoreGateway gateway : gateways) {
      gateway.updateRing(withoutGw1, 1);
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> gw1.ownedBlocks() == 0
        && gw0.ownedBlockIds(TENANT).containsAll(owned(ulids, withoutGw1, "gw-0")));
    assertThat(gw1.ringMembers()).isEqualTo(withoutGw1);
  }

  /** The blocks of {@code ulids} that {@code gateway} owns by the ring of {@code ids}, sorted. */
  private static List<String> owned(List<String> ulids, List<String> ids, String gateway) {
    HashRing ring = new HashRing(ids, 1);
    return ulids.stream().filter(ulid -> ring.owns(gateway, ulid)).sorted().toList();
  }

  /** Whether some block goes from {@code from} to {@code to} when the ring {@code before} becomes {@code after}. */
  private static boolean moves(List<String> ulids, List<String> before, List<String> after, String from, String to) {
    List<String> given = owned(ulids, before, from);
    return owned(ulids, after, to).stream().anyMatch(given::contains);
  }

  private StoreGateway start(StoreGatewayConfig config, Duration handover) throws IOException {
    StoreGateway gateway = new StoreGateway(config, bucket).withRingHandover(handover);
    gateways.add(gateway);
    gateway.start();
    return gateway;
  }

  @Test
  void neverShowsATenantTheBlocksOfAnother() throws IOException {
    BlockMeta blockOfA = shipBlock(bucket, "tenant-a", workDir, 0, 2, "up", "secret_metric");
    BlockMeta blockOfB = shipBlock(bucket, "tenant-b", workDir, 0, 1, "up");
    StoreGateway gateway = start();

    BlockQueryResult<List<EncodedSeries>> askingForA =
        gateway.select("tenant-b", List.of(blockOfA.ulid()), T0, END_OF_TIME, List.of());
    assertThat(askingForA.queriedBlocks()).isEmpty();
    assertThat(askingForA.value()).isEmpty();

    BlockQueryResult<List<EncodedSeries>> everything =
        gateway.select("tenant-b", List.of(), T0, END_OF_TIME, List.of(Matcher.of(Matcher.Type.REGEX, "__name__", ".+")));
    assertThat(everything.queriedBlocks()).containsExactly(blockOfB.ulid());
    assertThat(everything.value()).extracting(series -> series.labels().get("tenant")).containsOnly("tenant-b");
    assertThat(gateway.labelValues("tenant-b", List.of(blockOfA.ulid(), blockOfB.ulid()), "__name__", T0,
        END_OF_TIME, List.of()).value()).containsExactly("up");
  }
}
