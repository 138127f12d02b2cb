package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.narthex.blocks.BlockShipper;
import io.narthex.blocks.BucketIndexUpdater;
import io.narthex.common.HashRing;
import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.narthex.storegateway.StoreGateway;
import io.narthex.storegateway.StoreGatewayConfig;
import io.narthex.storegateway.StoreGatewayGrpcService;
import io.narthex.storegateway.client.BlocksStoreReader;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.EncodedSeries;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store-gateways and a querier's blocks reader following the ingester ring as {@code Modules} wires them
 * ({@link RingFollower}, {@link StoreGatewayChannels}), each side with its own {@link RingView}, as separate processes
 * learn a change at different times. The ring changes by {@link RingView#update}, as the ring group's replica or
 * poller changes it; every query must read every block once, whichever side is ahead.
 */
class StoreGatewayRingFollowingTest {
  private static final String TENANT = "team-a";
  private static final long T0 = 1_704_067_200_000L;
  private static final long BLOCK_RANGE_MS = Duration.ofHours(2).toMillis();
  private static final List<Matcher> UP = List.of(Matcher.equal(Labels.METRIC_NAME, "up"));

  @TempDir Path tmp;

  private Bucket bucket;
  private final Map<String, StoreGateway> gateways = new LinkedHashMap<>();
  private final List<Server> servers = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  /** Every channel the querier opened, by gateway id, latest last. */
  private final Map<String, List<ManagedChannel>> opened = new LinkedHashMap<>();

  @BeforeEach
  void setUp() throws IOException {
    bucket = Buckets.filesystem("blocks", tmp.resolve("bucket"));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable closeable : closeables.reversed()) {
      closeable.close();
    }
    servers.forEach(Server::shutdownNow);
    gateways.values().forEach(StoreGateway::close);
    bucket.close();
  }

  /** A ring state changed at runtime (version above its seed's) with these nodes, each at its in-process name. */
  private static RingState ring(long version, String... nodes) {
    List<ShardMap.Node> out = new ArrayList<>();
    for (String node : nodes) {
      out.add(new ShardMap.Node(node, address(node), node + "-raft"));
    }
    return new RingState(version, 1, out, List.of(List.of(nodes[0])), List.of());
  }

  private static String address(String node) {
    return "in-process-" + node;
  }

  /** A store-gateway following {@code view}, serving gRPC in-process at its node's address; not started. */
  private StoreGateway gateway(String id, RingView view) throws IOException {
    StoreGateway gateway = new StoreGateway(StoreGatewayConfig.defaults(tmp.resolve(id))
        .withSyncInterval(Duration.ofHours(1)).withRing(id, List.of(id), 1), bucket);
    gateways.put(id, gateway);
    closeables.add(RingFollower.storeGateway(view, gateway, 1));
    servers.add(InProcessServerBuilder.forName(address(id)).addService(new StoreGatewayGrpcService(gateway))
        .build().start());
    return gateway;
  }

  private StoreGatewayChannels channels(RingView view, Duration handover) {
    StoreGatewayChannels channels = new StoreGatewayChannels((id, address) -> {
      ManagedChannel channel = InProcessChannelBuilder.forName(address).build();
      opened.computeIfAbsent(id, k -> new ArrayList<>()).add(channel);
      return channel;
    }, RingConfig.storeGatewaysOf(view.state()), 1, handover, Duration.ofMillis(100));
    closeables.add(channels);
    return channels;
  }

  /** Channels following {@code view}, without a reader. */
  private StoreGatewayChannels followingChannels(RingView view, Duration handover) {
    StoreGatewayChannels channels = channels(view, handover);
    closeables.add(RingFollower.storeGatewayChannels(view, channels));
    return channels;
  }

  private BlocksStoreReader reader(StoreGatewayChannels channels, RingView view) {
    // A bucket index refresh of 1 ms: no block counts as just uploaded, so a block no gateway read fails the query.
    BlocksStoreReader reader = new BlocksStoreReader(bucket, channels.ring(), channels.channels(),
        Duration.ofSeconds(10), Duration.ofMillis(1));
    channels.follow(reader);
    closeables.add(RingFollower.storeGatewayChannels(view, channels));
    return reader;
  }

  /** Ships block {@code index} of one "up" series, one sample a minute over its 2h. */
  private String shipBlock(int index) throws IOException {
    long minTimeMs = T0 + index * BLOCK_RANGE_MS;
    XorAppender appender = new XorAppender();
    for (long t = minTimeMs; t < minTimeMs + BLOCK_RANGE_MS; t += 60_000) {
      appender.append(t, index);
    }
    EncodedSeries series = new EncodedSeries(Labels.of("__name__", "up", "instance", "host-0"),
        List.of(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes())));
    BlockMeta block = BlockWriter.write(tmp.resolve("work"), List.of(series), minTimeMs, minTimeMs + BLOCK_RANGE_MS,
        Map.of());
    BlockShipper.upload(bucket, TENANT, block.dir());
    BucketIndexUpdater.update(bucket, TENANT);
    return block.ulid();
  }

  /** Ships blocks until {@code node} owns some by the ring of {@code withNode} and {@code gone} some by {@code all}. */
  private List<String> shipBlocks(List<String> withNode, String node, List<String> all, String gone)
      throws IOException {
    List<String> ulids = new ArrayList<>();
    HashRing joined = new HashRing(withNode, 1);
    HashRing before = new HashRing(all, 1);
    while (ulids.size() < 6 || ulids.stream().noneMatch(u -> joined.owns(node, u))
        || ulids.stream().noneMatch(u -> before.owns(gone, u))) {
      ulids.add(shipBlock(ulids.size()));
    }
    return ulids;
  }

  private static void assertEveryBlockReadOnce(BlocksStoreReader reader, int blocks) {
    List<EncodedSeries> series = reader.select(TENANT, T0, Long.MAX_VALUE, UP);
    assertThat(series).singleElement().satisfies(s -> assertThat(s.chunks()).hasSize(blocks));
  }

  @Test
  void aJoiningGatewayIsAskedOnceInTheRingAndItsBlocksStayReadableBeforeItLoadedThem() throws Exception {
    List<String> ulids = shipBlocks(List.of("n0", "n1", "n2"), "n2", List.of("n0", "n1", "n2"), "n1");
    RingView gatewaysView = new RingView(ring(2, "n0", "n1"));
    RingView querierView = new RingView(ring(2, "n0", "n1"));
    StoreGateway n0 = gateway("n0", gatewaysView);
    StoreGateway n1 = gateway("n1", gatewaysView);
    StoreGateway n2 = gateway("n2", gatewaysView);
    n0.start();
    n1.start();
    BlocksStoreReader reader = reader(channels(querierView, Duration.ofHours(1)), querierView);
    assertEveryBlockReadOnce(reader, ulids.size());

    // n2 joins. The querier learns it first; n2 has not loaded a block yet (not started), n0 and n1 still serve all.
    querierView.update(ring(3, "n0", "n1", "n2"));
    assertThat(reader.ringMembers()).containsExactly("n0", "n1", "n2");
    assertThat(opened).containsKey("n2");
    assertEveryBlockReadOnce(reader, ulids.size());

    gatewaysView.update(ring(3, "n0", "n1", "n2"));
    n2.start();
    HashRing three = new HashRing(List.of("n0", "n1", "n2"), 1);
    List<String> shareOfN2 = ulids.stream().filter(u -> three.owns("n2", u)).sorted().toList();
    assertThat(n2.ownedBlockIds(TENANT)).isEqualTo(shareOfN2);
    // n0 and n1 keep the blocks they gave up for the handover (5 minutes by default).
    assertThat(n0.ownedBlocks() + n1.ownedBlocks()).isEqualTo(ulids.size());
    assertEveryBlockReadOnce(reader, ulids.size());

    // n1 leaves. The gateways learn it first: n0 and n2 load n1's blocks at once, n1 keeps serving them.
    gatewaysView.update(ring(4, "n0", "n2"));
    HashRing two = new HashRing(List.of("n0", "n2"), 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> ulids.stream().allMatch(u ->
        gateways.get(two.owners(u).getFirst()).ownedBlockIds(TENANT).contains(u)));
    assertThat(n1.ownedBlocks()).isPositive();
    assertEveryBlockReadOnce(reader, ulids.size());
    querierView.update(ring(4, "n0", "n2"));
    assertThat(reader.ringMembers()).containsExactly("n0", "n2");
    assertEveryBlockReadOnce(reader, ulids.size());
  }

  @Test
  void aQuerierAheadOfTheGatewaysAsksAGatewayThatLeftForTheBlocksItStillServes() throws Exception {
    List<String> ulids = shipBlocks(List.of("n0", "n1"), "n1", List.of("n0", "n1"), "n1");
    RingView gatewaysView = new RingView(ring(2, "n0", "n1"));
    RingView querierView = new RingView(ring(2, "n0", "n1"));
    gateway("n0", gatewaysView).start();
    gateway("n1", gatewaysView).start();
    BlocksStoreReader reader = reader(channels(querierView, Duration.ofHours(1)), querierView);

    // n1 left the querier's ring, while n0 has not loaded n1's blocks: n1 still serves them.
    querierView.update(ring(3, "n0"));

    assertThat(reader.ringMembers()).containsExactly("n0");
    assertEveryBlockReadOnce(reader, ulids.size());
  }

  @Test
  void closesTheChannelOfAGatewayThatLeftOnceItsHandoverEnded() {
    RingView view = new RingView(ring(2, "n0", "n1"));
    StoreGatewayChannels channels = followingChannels(view, Duration.ofMillis(50));
    ManagedChannel toN1 = opened.get("n1").getFirst();

    view.update(ring(3, "n0"));

    // After the handover and the query timeout (100 ms).
    await().atMost(Duration.ofSeconds(10)).until(toN1::isShutdown);
    assertThat(channels.channels()).containsOnlyKeys("n0");
    assertThat(opened.get("n0").getFirst().isShutdown()).isFalse();
  }

  @Test
  void aGatewayThatComesBackWithinItsHandoverKeepsItsChannel() {
    RingView view = new RingView(ring(2, "n0", "n1"));
    StoreGatewayChannels channels = followingChannels(view, Duration.ofHours(1));
    ManagedChannel toN1 = opened.get("n1").getFirst();

    view.update(ring(3, "n0"));
    assertThat(channels.channels()).containsOnlyKeys("n0", "n1");
    view.update(ring(4, "n0", "n1"));

    assertThat(channels.ring().instanceIds()).containsExactly("n0", "n1");
    assertThat(channels.channels()).containsEntry("n1", toN1);
    assertThat(opened.get("n1")).hasSize(1);
    assertThat(toN1.isShutdown()).isFalse();
  }
}
