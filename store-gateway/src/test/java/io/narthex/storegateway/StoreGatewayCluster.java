package io.narthex.storegateway;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.narthex.common.HashRing;
import io.narthex.objstore.Bucket;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Store-gateways in one JVM over one bucket, each serving gRPC in-process: gateways {@code gw-0} to
 * {@code gw-<n-1>} of a static ring, each with its own data directory.
 */
public final class StoreGatewayCluster implements AutoCloseable {
  private final List<String> ids;
  private final HashRing ring;
  private final Map<String, StoreGateway> gateways = new LinkedHashMap<>();
  private final Map<String, Server> servers = new LinkedHashMap<>();
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

  /**
   * Starts {@code count} gateways (each syncs once before this returns).
   *
   * @param configure adjusts each gateway's config (sync interval, idle timeout)
   */
  public StoreGatewayCluster(Bucket bucket, Path dataRoot, int count, int replicationFactor,
      UnaryOperator<StoreGatewayConfig> configure) throws IOException {
    this.ids = java.util.stream.IntStream.range(0, count).mapToObj(i -> "gw-" + i).toList();
    this.ring = new HashRing(ids, replicationFactor);
    try {
      for (String id : ids) {
        StoreGatewayConfig config = configure.apply(TestBlocks.config(dataRoot.resolve(id), id, ids,
            replicationFactor));
        StoreGateway gateway = new StoreGateway(config, bucket);
        gateways.put(id, gateway);
        gateway.start();
        String name = InProcessServerBuilder.generateName();
        servers.put(id, InProcessServerBuilder.forName(name)
            .addService(new StoreGatewayGrpcService(gateway))
            .build()
            .start());
        channels.put(id, InProcessChannelBuilder.forName(name).build());
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Gateways with a long sync interval: they sync at start and when a test says so. */
  public StoreGatewayCluster(Bucket bucket, Path dataRoot, int count, int replicationFactor) throws IOException {
    this(bucket, dataRoot, count, replicationFactor, config -> config.withSyncInterval(Duration.ofHours(1)));
  }

  public List<String> ids() {
    return ids;
  }

  public HashRing ring() {
    return ring;
  }

  public StoreGateway gateway(String id) {
    return gateways.get(id);
  }

  /** A channel to each gateway, stopped ones included (calls to those fail UNAVAILABLE). */
  public Map<String, ManagedChannel> channels() {
    return channels;
  }

  /** Stops a gateway's server and the gateway, as a crashed process. */
  public void stop(String id) {
    servers.get(id).shutdownNow();
    gateways.get(id).close();
  }

  @Override
  public void close() {
    for (ManagedChannel channel : channels.values()) {
      channel.shutdownNow();
    }
    for (Server server : servers.values()) {
      server.shutdownNow();
    }
    for (StoreGateway gateway : gateways.values()) {
      gateway.close();
    }
  }
}
