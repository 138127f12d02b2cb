package io.narthex.app;

import io.narthex.ingester.FreePorts;
import io.narthex.proto.prompb.WriteRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An in-JVM Narthex cluster on loopback, as {@code deploy/local/cluster.sh} lays one out with processes: N
 * ingesters (each also a store-gateway and a compactor) holding N shards at replication factor min(3, N), one
 * distributor and one querier, each a {@link Narthex} of its own, sharing one filesystem bucket. Tests stop and
 * restart single ingesters to exercise quorum, recovery and the composition of modules.
 */
final class MiniCluster implements AutoCloseable {
  private final Path dir;
  private final Path config;
  private final int base;
  private final int ingesters;
  private final List<Narthex> ingesterProcesses = new ArrayList<>();
  private Narthex distributor;
  private Narthex querier;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private MiniCluster(Path dir, int ingesters) throws IOException {
    this.dir = dir;
    this.ingesters = ingesters;
    this.base = FreePorts.block(3 * ingesters + 10);
    this.config = dir.resolve("narthex.yaml");
    StringBuilder yaml = new StringBuilder("ingester:\n  ring:\n    replication_factor: " + Math.min(3, ingesters)
        + "\n    shard_count: " + ingesters + "\n    nodes:\n");
    for (int i = 0; i < ingesters; i++) {
      yaml.append("      - {id: ").append(id(i)).append(", grpc_address: \"127.0.0.1:").append(grpcPort(i))
          .append("\", raft_address: \"127.0.0.1:").append(raftPort(i)).append("\"}\n");
    }
    yaml.append("store_gateway:\n  sharding_ring:\n    replication_factor: ").append(Math.min(2, ingesters))
        .append("\nblocks_storage:\n  backend: filesystem\n  filesystem:\n    dir: \"")
        .append(dir.resolve("bucket")).append("\"\n");
    Files.createDirectories(dir);
    Files.writeString(config, yaml);
  }

  /** Starts every ingester, then the distributor and the querier, and waits until all are ready (30 s each). */
  static MiniCluster start(Path dir, int ingesters) throws Exception {
    MiniCluster cluster = new MiniCluster(dir, ingesters);
    try {
      for (int i = 0; i < ingesters; i++) {
        cluster.ingesterProcesses.add(null);
        cluster.startIngester(i);
      }
      cluster.distributor = cluster.await(Narthex.start(NarthexOptions.parse(cluster.flags("distributor",
          "--target=distributor", "--server.http-listen-port=0"))));
      cluster.querier = cluster.await(Narthex.start(NarthexOptions.parse(cluster.flags("querier",
          "--target=querier", "--server.http-listen-port=0"))));
      for (int i = 0; i < ingesters; i++) {
        cluster.await(cluster.ingesterProcesses.get(i));
      }
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  static String id(int ingester) {
    return "ingester-" + (ingester + 1);
  }

  private int grpcPort(int ingester) {
    return base + ingester;
  }

  private int raftPort(int ingester) {
    return base + ingesters + ingester;
  }

  private String[] flags(String name, String... own) {
    List<String> flags = new ArrayList<>(List.of("--config.file=" + config,
        "--blocks-storage.tsdb.dir=" + dir.resolve(name).resolve("tsdb"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve(name).resolve("sync"),
        "--compactor.data-dir=" + dir.resolve(name).resolve("compactor")));
    flags.addAll(Arrays.asList(own));
    return flags.toArray(String[]::new);
  }

  /** Starts ingester {@code i} (0-based) on its data directory; it may be catching up when this returns. */
  void startIngester(int i) throws IOException {
    ingesterProcesses.set(i, Narthex.start(NarthexOptions.parse(flags(id(i),
        "--target=ingester,store-gateway,compactor", "--ingester.ring.instance-id=" + id(i),
        "--server.http-listen-port=0", "--server.grpc-listen-port=" + grpcPort(i),
        "--ingester.raft-listen-port=" + raftPort(i)))));
  }

  /** Stops ingester {@code i} cleanly, as a rolling restart does. */
  void stopIngester(int i) {
    ingesterProcesses.get(i).close();
    ingesterProcesses.set(i, null);
  }

  Narthex ingester(int i) {
    return ingesterProcesses.get(i);
  }

  Narthex distributor() {
    return distributor;
  }

  Narthex querier() {
    return querier;
  }

  /** Waits up to 30 s until {@code narthex} is ready. */
  Narthex await(Narthex narthex) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!narthex.ready() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return narthex;
  }

  /** Remote-writes {@code request} to the distributor for {@code tenant}. */
  HttpResponse<String> push(String tenant, WriteRequest request) throws Exception {
    return RemoteWrite.push(distributor, tenant, request);
  }

  /** GETs {@code path} (with its query string) from {@code narthex} for {@code tenant}. */
  HttpResponse<String> get(Narthex narthex, String tenant, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + path))
        .header("X-Scope-OrgID", tenant).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A run of {@code count} ports that are free right now, below the ephemeral range. */
  /**
   * Stops the querier and the distributor, then the ingesters. Those of a group stop together: each stop waits
   * seconds for its HTTP server's graceful shutdown, and one after another they took most of a test class's time.
   */
  @Override
  public void close() {
    closeTogether(querier, distributor);
    closeTogether(ingesterProcesses.toArray(Narthex[]::new));
  }

  /** Closes {@code processes} (nulls skipped) on a thread each; rethrows the first failure once all are done. */
  private static void closeTogether(Narthex... processes) {
    List<Thread> closing = new ArrayList<>();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    for (Narthex narthex : processes) {
      if (narthex != null) {
        closing.add(Thread.ofPlatform().name("close-" + narthex.httpPort()).start(() -> {
          try {
            narthex.close();
          } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
          }
        }));
      }
    }
    for (Thread thread : closing) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while closing the cluster", e);
      }
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }
}
