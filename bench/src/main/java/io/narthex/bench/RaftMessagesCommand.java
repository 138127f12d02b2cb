package io.narthex.bench;

import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftGroups;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.raft.RaftWriterMetrics;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.MetricRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Counts the Raft messages one log entry costs (issue 17, goal 1): three ingester nodes in this JVM, each shard
 * replicated on all three, written by {@code --writers} threads through the distributor's {@link RaftShardWriter}
 * (group commit included), each writer sending one push per shard per round and waiting for all of them, as the
 * distributor does for a remote-write request. At the end it reads Ratis's own counters of the shards' groups:
 * client writes the leaders took, appendEntries the followers handled, and on gRPC the leaders' appendEntries
 * requests with and without entries (heartbeats). A count, not a timing: the figures to compare are per entry.
 */
@Command(name = "raft-messages", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Count Raft messages per log entry on three in-process ingesters (gRPC or Netty transport).")
final class RaftMessagesCommand implements Callable<Integer> {
  private static final int REPLICAS = 3;

  @Spec
  CommandSpec spec;

  @Option(names = "--transport", defaultValue = "grpc", description = "grpc or netty. Default: ${DEFAULT-VALUE}.")
  RaftOptions.Transport transport;

  @Option(names = "--shards", defaultValue = "3",
      description = "Shards, each on all 3 nodes. Default: ${DEFAULT-VALUE}.")
  int shards;

  @Option(names = "--writers", defaultValue = "4",
      description = "Concurrent writers, as the write generator's senders. Default: ${DEFAULT-VALUE}.")
  int writers;

  @Option(names = "--series-per-push", defaultValue = "667",
      description = "Series (one sample each) per push: a 2000-series request split over 3 shards. "
          + "Default: ${DEFAULT-VALUE}.")
  int seriesPerPush;

  @Option(names = "--duration", defaultValue = "20s", converter = TimeArgs.DurationConverter.class,
      description = "How long the writers write. Default: ${DEFAULT-VALUE}.")
  Duration duration;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dataDir = Files.createTempDirectory("narthex-raft-messages");
    List<ShardMap.Node> nodes = new ArrayList<>();
    for (int i = 0; i < REPLICAS; i++) {
      nodes.add(new ShardMap.Node("n" + i, "127.0.0.1:1", "127.0.0.1:" + freePort()));
    }
    ShardMap shardMap = ShardMap.roundRobin(nodes, shards, REPLICAS);
    RaftOptions options = new RaftOptions(Duration.ofSeconds(1), 20_000, Duration.ofSeconds(15))
        .withTransport(transport);
    List<AutoCloseable> open = new ArrayList<>();
    try {
      List<IngesterNode> started = new ArrayList<>();
      for (ShardMap.Node node : nodes) {
        IngesterNode ingester = IngesterNode.start(shardMap, node.id(), dataDir.resolve(node.id()), options);
        open.add(ingester);
        started.add(ingester);
      }
      long readyBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!started.stream().allMatch(IngesterNode::ready)) {
        if (System.nanoTime() > readyBy) {
          throw new IllegalStateException("the ingesters were not ready within 30 s");
        }
        Thread.sleep(100);
      }
      List<RaftShardWriter> shardWriters = new ArrayList<>();
      RaftWriterMetrics writerMetrics = new RaftWriterMetrics(new PrometheusRegistry());
      for (int shard = 0; shard < shards; shard++) {
        RaftShardWriter writer = new RaftShardWriter(shardMap, shard, options, writerMetrics);
        open.add(writer);
        shardWriters.add(writer);
      }
      // A first round, not counted: leaders elected and connections open.
      write(shardWriters, 0, 1, System.nanoTime() + Duration.ofSeconds(30).toNanos(), new AtomicLong());
      Counts before = Counts.read(shards);
      AtomicLong pushes = new AtomicLong();
      long endNanos = System.nanoTime() + duration.toNanos();
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writerId = w + 1;
        threads.add(Thread.ofPlatform().name("writer-" + writerId)
            .start(() -> write(shardWriters, writerId, Integer.MAX_VALUE, endNanos, pushes)));
      }
      for (Thread thread : threads) {
        thread.join();
      }
      Counts counts = Counts.read(shards).minus(before);
      counts.print(out, transport, shards, writers, seriesPerPush, duration, pushes.get());
      if (counts.clientWrites() <= 0 || counts.followerAppends() <= 0) {
        // Ratis renamed or dropped the counters this reads (clientWriteRequest, follower_append_entry_latency).
        spec.commandLine().getErr().println("raft-messages: Ratis's counters of the shards' groups were not found");
        return 1;
      }
    } finally {
      for (AutoCloseable closeable : open.reversed()) {
        closeable.close();
      }
      try (var paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    return 0;
  }

  /** Rounds of one push per shard, each round waiting for all of them, until {@code endNanos} or {@code rounds}. */
  private void write(List<RaftShardWriter> shardWriters, int writerId, int rounds, long endNanos, AtomicLong pushes) {
    long timestampMs = 1_700_000_000_000L;
    List<CompletableFuture<?>> answers = new ArrayList<>();
    for (int round = 0; round < rounds && System.nanoTime() < endNanos; round++) {
      timestampMs += 15_000;
      answers.clear();
      for (int shard = 0; shard < shardWriters.size(); shard++) {
        answers.add(shardWriters.get(shard).pushEntry(push(writerId, shard, timestampMs)));
      }
      CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
      pushes.addAndGet(answers.size());
    }
  }

  /** A push of {@link #seriesPerPush} node-exporter-like series of about 300 bytes of labels, one sample each. */
  private byte[] push(int writerId, int shard, long timestampMs) {
    PushEntryBuilder entry = new PushEntryBuilder("bench-0");
    for (int i = 0; i < seriesPerPush; i++) {
      byte[] series = TimeSeries.newBuilder()
          .addLabels(label("__name__", "bench_network_receive_bytes_total"))
          .addLabels(label("availability_zone", "eu-west-1b"))
          .addLabels(label("cluster", "bench-cluster-01"))
          .addLabels(label("device", "eth" + (i % 4)))
          .addLabels(label("env", "production"))
          .addLabels(label("instance", String.format(Locale.ROOT, "host-%d-%d-%05d.bench.example.com:9100",
              writerId, shard, i / 4)))
          .addLabels(label("job", "node-exporter"))
          .addLabels(label("os", "linux"))
          .addLabels(label("region", "eu-west-1"))
          .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(i))
          .build().toByteArray();
      entry.add(series, 0, series.length);
    }
    return entry.build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Label label(String name, String value) {
    return Label.newBuilder().setName(name).setValue(value).build();
  }

  /** Ratis's counters summed over the shards' groups on every node. */
  private record Counts(long clientWrites, long followerAppends, long grpcAppends, long grpcHeartbeats) {
    static Counts read(int shards) {
      long clientWrites = 0;
      long followerAppends = 0;
      long grpcAppends = 0;
      long grpcHeartbeats = 0;
      for (RatisMetricRegistry registry : MetricRegistries.global().getMetricRegistries()) {
        String prefix = registry.getMetricRegistryInfo().getPrefix();
        if (!isShardGroup(prefix, shards)) {
          continue;
        }
        MetricRegistry metrics = ((RatisMetricRegistryImpl) registry).getDropWizardMetricRegistry();
        for (var timer : metrics.getTimers().entrySet()) {
          if (timer.getKey().endsWith("clientWriteRequest")) {
            clientWrites += timer.getValue().getCount();
          } else if (timer.getKey().endsWith("follower_append_entry_latency")) {
            followerAppends += timer.getValue().getCount();
          }
        }
        for (var counter : metrics.getCounters().entrySet()) {
          String name = counter.getKey();
          if (name.endsWith("num_requests_heartbeat")) {
            grpcHeartbeats += counter.getValue().getCount();
          } else if (name.endsWith("num_requests")) {
            grpcAppends += counter.getValue().getCount();
          }
        }
      }
      return new Counts(clientWrites, followerAppends, grpcAppends, grpcHeartbeats);
    }

    private static boolean isShardGroup(String prefix, int shards) {
      for (int shard = 0; shard < shards; shard++) {
        if (prefix.contains(RaftGroups.groupId(shard).toString())) {
          return true;
        }
      }
      return false;
    }

    Counts minus(Counts other) {
      return new Counts(clientWrites - other.clientWrites, followerAppends - other.followerAppends,
          grpcAppends - other.grpcAppends, grpcHeartbeats - other.grpcHeartbeats);
    }

    void print(PrintWriter out, RaftOptions.Transport transport, int shards, int writers, int seriesPerPush,
        Duration duration, long pushes) {
      double entries = Math.max(1, clientWrites);
      out.printf(Locale.ROOT, "raft-messages: %s, %d shards x %d replicas, %d writers, %d series per push, %s%n",
          transport.name().toLowerCase(Locale.ROOT), shards, REPLICAS, writers, seriesPerPush, duration);
      out.printf(Locale.ROOT, "pushes %d, log entries (client writes the leaders took) %d: %.2f pushes per entry%n",
          pushes, clientWrites, pushes / entries);
      out.printf(Locale.ROOT, "appendEntries the followers handled: %d, %.3f per entry per follower%n",
          followerAppends, followerAppends / entries / (REPLICAS - 1));
      if (transport == RaftOptions.Transport.GRPC) {
        out.printf(Locale.ROOT, "gRPC appender requests: %d with entries or empty (%.3f per entry per follower), "
            + "%d heartbeats%n", grpcAppends, grpcAppends / entries / (REPLICAS - 1), grpcHeartbeats);
      }
      out.printf(Locale.ROOT, "messages per entry (request and answer each): client 2, appendEntries %.2f%n",
          2.0 * followerAppends / entries);
      out.flush();
    }
  }
}
