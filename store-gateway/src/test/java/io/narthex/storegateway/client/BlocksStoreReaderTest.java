package io.narthex.storegateway.client;

import static io.narthex.storegateway.TestBlocks.BLOCK_RANGE_MS;
import static io.narthex.storegateway.TestBlocks.T0;
import static io.narthex.storegateway.TestBlocks.shipBlock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.narthex.objstore.LocalS3Server;
import io.narthex.storegateway.StoreGatewayCluster;
import io.narthex.common.HashRing;
import io.narthex.storegateway.TestBlocks;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlocksStoreReaderTest {
  private static final String TENANT = "team-a";
  private static final List<Matcher> UP = List.of(Matcher.equal(Labels.METRIC_NAME, "up"));
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path tmp;

  private Bucket bucket;
  private Path workDir;
  private StoreGatewayCluster cluster;

  @BeforeEach
  void setUp() throws IOException {
    bucket = Buckets.filesystem("blocks", tmp.resolve("bucket"));
    workDir = tmp.resolve("work");
  }

  @AfterEach
  void tearDown() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
    bucket.close();
  }

  private BlocksStoreReader reader() {
    // A bucket index refresh of 1ms: no block counts as just uploaded, so the consistency check is strict.
    return new BlocksStoreReader(bucket, cluster.ring(), cluster.channels(), TIMEOUT, java.time.Duration.ofMillis(1));
  }

  /**
   * Ships blocks 0, 1, ... of two "up" series until there are at least {@code minBlocks} and every gateway of the
   * ring is the first owner of one.
   */
  private List<BlockMeta> shipBlocksOwnedByEveryGateway(HashRing ring, int minBlocks) throws IOException {
    List<BlockMeta> blocks = new ArrayList<>();
    Set<String> firstOwners = new HashSet<>();
    while (blocks.size() < minBlocks || !firstOwners.containsAll(ring.instanceIds())) {
      BlockMeta block = shipBlock(bucket, TENANT, workDir, blocks.size(), 2, "up");
      blocks.add(block);
      firstOwners.add(ring.owners(block.ulid()).getFirst());
    }
    return blocks;
  }

  private static void assertEveryBlockReadOnce(List<EncodedSeries> series, List<BlockMeta> blocks) {
    List<Long> blockStarts = blocks.stream().map(BlockMeta::minTimeMs).sorted().toList();
    assertThat(series).extracting(EncodedSeries::labels).containsExactly(
        Labels.of("__name__", "up", "instance", "host-0", "tenant", TENANT),
        Labels.of("__name__", "up", "instance", "host-1", "tenant", TENANT));
    for (EncodedSeries s : series) {
      assertThat(s.chunks()).extracting(EncodedChunk::minTimeMs).isEqualTo(blockStarts);
    }
  }

  @Test
  void twoGatewaysWithReplicationFactorOneReadEachBlockExactlyOnce() throws IOException {
    HashRing ring = new HashRing(List.of("gw-0", "gw-1"), 1);
    List<BlockMeta> blocks = shipBlocksOwnedByEveryGateway(ring, 6);
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 2, 1);
    assertThat(cluster.gateway("gw-0").ownedBlocks() + cluster.gateway("gw-1").ownedBlocks())
        .isEqualTo(blocks.size());

    BlocksStoreReader reader = reader();

    assertEveryBlockReadOnce(reader.select(TENANT, T0, Long.MAX_VALUE, UP), blocks);
    assertThat(reader.labelNames(TENANT, T0, Long.MAX_VALUE, List.of())).containsExactly("__name__", "instance",
        "tenant");
    assertThat(reader.labelValues(TENANT, "instance", T0, Long.MAX_VALUE, UP)).containsExactly("host-0", "host-1");
  }

  @Test
  void asksOnlyForTheBlocksOverlappingTheTimeRange() throws IOException {
    HashRing ring = new HashRing(List.of("gw-0", "gw-1"), 1);
    List<BlockMeta> blocks = shipBlocksOwnedByEveryGateway(ring, 4);
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 2, 1);

    // From the last sample of block 1 to the first of block 2 (block ranges end exclusive, query ranges inclusive).
    long minTimeMs = T0 + 2 * BLOCK_RANGE_MS - TestBlocks.STEP_MS;
    long maxTimeMs = T0 + 2 * BLOCK_RANGE_MS;
    BlocksStoreReader reader = reader();
    assertThat(reader.blocksToQuery(TENANT, minTimeMs, maxTimeMs))
        .containsExactlyInAnyOrder(blocks.get(1).ulid(), blocks.get(2).ulid());
    assertEveryBlockReadOnce(reader.select(TENANT, minTimeMs, maxTimeMs, UP), blocks.subList(1, 3));
  }

  @Test
  void answersEverythingWithOneOfThreeGatewaysDownAndReplicationFactorTwo() throws IOException {
    HashRing ring = new HashRing(List.of("gw-0", "gw-1", "gw-2"), 2);
    List<BlockMeta> blocks = shipBlocksOwnedByEveryGateway(ring, 6);
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 3, 2);
    BlocksStoreReader reader = reader();
    assertEveryBlockReadOnce(reader.select(TENANT, T0, Long.MAX_VALUE, UP), blocks);

    cluster.stop("gw-0");

    assertEveryBlockReadOnce(reader.select(TENANT, T0, Long.MAX_VALUE, UP), blocks);
    assertThat(reader.labelValues(TENANT, "instance", T0, Long.MAX_VALUE, UP)).containsExactly("host-0", "host-1");
  }

  @Test
  void failsNamingTheBlocksThatNoGatewayCouldRead() throws IOException {
    HashRing ring = new HashRing(List.of("gw-0", "gw-1"), 1);
    List<BlockMeta> blocks = shipBlocksOwnedByEveryGateway(ring, 4);
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 2, 1);
    List<String> blocksOfGw0 = blocks.stream().map(BlockMeta::ulid).filter(ulid -> ring.owns("gw-0", ulid)).toList();

    cluster.stop("gw-0");

    assertThatThrownBy(() -> reader().select(TENANT, T0, Long.MAX_VALUE, UP))
        .isInstanceOfSatisfying(StoreGatewayUnavailableException.class, e -> {
          assertThat(e.blockIds()).containsExactlyInAnyOrderElementsOf(blocksOfGw0);
          assertThat(e.tenant()).isEqualTo(TENANT);
        })
        .hasMessageContaining(StoreGatewayUnavailableException.ERROR_ID)
        .hasMessageContaining("gw-0");
  }

  @Test
  void asksTheNextOwnerForABlockTheFirstOwnerDoesNotHoldYet() throws IOException {
    shipBlock(bucket, TENANT, workDir, 0, 2, "up");
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 2, 2);
    BlocksStoreReader reader = reader();
    assertThat(reader.select(TENANT, T0, Long.MAX_VALUE, UP)).hasSize(2);

    // A new block that only its second owner has synced so far.
    BlockMeta fresh = shipBlock(bucket, TENANT, workDir, 1, 2, "up");
    reader.invalidate(TENANT);
    assertThatThrownBy(() -> reader.select(TENANT, T0, Long.MAX_VALUE, UP))
        .isInstanceOfSatisfying(StoreGatewayUnavailableException.class,
            e -> assertThat(e.blockIds()).containsExactly(fresh.ulid()))
        .hasMessageContaining("did not hold");
    cluster.gateway(cluster.ring().owners(fresh.ulid()).get(1)).syncBlocks();

    List<EncodedSeries> series = reader.select(TENANT, T0, Long.MAX_VALUE, UP);

    assertThat(series).hasSize(2).allSatisfy(s -> assertThat(s.chunks()).hasSize(2));
  }

  @Test
  void readsEveryBlockOnceWhileItsRingDisagreesWithTheGateways() throws IOException {
    HashRing gateways = new HashRing(List.of("gw-0", "gw-1", "gw-2"), 1);
    HashRing behind = new HashRing(List.of("gw-0", "gw-1"), 1);
    List<BlockMeta> blocks = shipBlocksOwnedByEveryGateway(gateways, 6);
    // The gateways hold their share by the ring of three; the reader starts with the ring before gw-2 joined.
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 3, 1);
    BlocksStoreReader reader = new BlocksStoreReader(bucket, behind, cluster.channels(), TIMEOUT,
        java.time.Duration.ofMillis(1));

    // gw-2's blocks are asked of their owners by the reader's ring first, which do not hold them, then of gw-2.
    assertEveryBlockReadOnce(reader.select(TENANT, T0, Long.MAX_VALUE, UP), blocks);

    // Ahead of the gateways: gw-1 has left the reader's ring, and still serves its blocks.
    reader.updateRing(new HashRing(List.of("gw-0", "gw-2"), 1), cluster.channels());
    assertThat(reader.ringMembers()).containsExactly("gw-0", "gw-2");
    assertEveryBlockReadOnce(reader.select(TENANT, T0, Long.MAX_VALUE, UP), blocks);
    assertThat(reader.labelValues(TENANT, "instance", T0, Long.MAX_VALUE, UP)).containsExactly("host-0", "host-1");

    // A block no gateway holds still fails the query.
    cluster.stop("gw-1");
    assertThatThrownBy(() -> reader.select(TENANT, T0, Long.MAX_VALUE, UP))
        .isInstanceOf(StoreGatewayUnavailableException.class);
  }

  @Test
  void aBlockUploadedWithinTheGraceThatNoGatewayHoldsYetDoesNotFailTheQuery() throws IOException {
    shipBlock(bucket, TENANT, workDir, 0, 2, "up");
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 2, 1);
    // Refreshing bucket indexes every minute: blocks uploaded in the last two minutes may not be synced yet.
    BlocksStoreReader reader = new BlocksStoreReader(bucket, cluster.ring(), cluster.channels(), TIMEOUT,
        java.time.Duration.ofMinutes(1));
    shipBlock(bucket, TENANT, workDir, 1, 2, "up");
    reader.invalidate(TENANT);

    List<EncodedSeries> series = reader.select(TENANT, T0, Long.MAX_VALUE, UP);

    // The old block answers; the new one's data is still in the ingesters or in the blocks it replaces.
    assertThat(series).hasSize(2).allSatisfy(s -> assertThat(s.chunks()).hasSize(1));
  }

  @Test
  void returnsNothingForATenantWithoutBlocks() throws IOException {
    shipBlock(bucket, TENANT, workDir, 0, 2, "up");
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 2, 1);

    assertThat(reader().select("someone-else", T0, Long.MAX_VALUE, UP)).isEmpty();
    assertThat(reader().labelNames("someone-else", T0, Long.MAX_VALUE, List.of())).isEmpty();
  }

  @Test
  void neverShowsATenantTheSeriesOfAnother() throws IOException {
    shipBlock(bucket, "tenant-a", workDir, 0, 3, "up", "secret_metric");
    shipBlock(bucket, "tenant-b", workDir, 0, 1, "up");
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 2, 1);
    BlocksStoreReader reader = reader();

    List<EncodedSeries> series =
        reader.select("tenant-b", T0, Long.MAX_VALUE, List.of(Matcher.of(Matcher.Type.REGEX, "__name__", ".+")));

    assertThat(series).extracting(EncodedSeries::labels)
        .containsExactly(Labels.of("__name__", "up", "instance", "host-0", "tenant", "tenant-b"));
    assertThat(reader.labelValues("tenant-b", "__name__", T0, Long.MAX_VALUE, List.of())).containsExactly("up");
  }

  @Test
  void readsBlocksFromS3() throws Exception {
    try (LocalS3Server s3 = new LocalS3Server();
        Bucket s3Bucket = s3.newBucket("narthex-blocks")) {
      List<BlockMeta> blocks = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        blocks.add(shipBlock(s3Bucket, TENANT, workDir, i, 2, "up"));
      }
      cluster = new StoreGatewayCluster(s3Bucket, tmp.resolve("data"), 2, 1);
      BlocksStoreReader reader = new BlocksStoreReader(s3Bucket, cluster.ring(), cluster.channels(), TIMEOUT);

      List<EncodedSeries> series = reader.select(TENANT, T0, Long.MAX_VALUE, UP);

      assertEveryBlockReadOnce(series, blocks);
      assertThat(TestBlocks.samples(series.getFirst())).hasSize(3 * 120);
      cluster.close();
      cluster = null;
    }
  }
}
