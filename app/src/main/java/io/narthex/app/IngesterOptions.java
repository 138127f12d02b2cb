package io.narthex.app;

import io.narthex.ingester.raft.RaftOptions;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The ingester: its identity and ports in the shard ring, Raft replication, and its local TSDB ({@code ingester} and
 * {@code blocks_storage.tsdb} blocks). A mixin of {@link NarthexOptions}, reached as {@code options.ingester}: each
 * option's flag, YAML path ({@code descriptionKey}), default and help are declared here once, and the CLI, {@code
 * --config.file} and docs/configuration.md are all generated from it.
 */
public final class IngesterOptions {
  @Option(names = {"--ingester.ring.instance-id", "-ingester.ring.instance-id", "--ingester.node-id",
      "-ingester.node-id"}, descriptionKey = "ingester.ring.instance_id", defaultValue = "ingester-1",
      description = "this ingester's id among `ingester.ring.nodes`; `--ingester.node-id` (YAML `ingester.node_id`) "
          + "is a deprecated alias that logs a warning")
  public String instanceId = "ingester-1";

  @Option(names = {"--ingester.raft-listen-port", "-ingester.raft-listen-port"},
      descriptionKey = "ingester.raft_listen_port", defaultValue = "9096",
      description = "Raft port of the ingester; `0` picks a free one")
  public int raftListenPort = 9096;

  @Option(names = {"--ingester.raft-listen-address", "-ingester.raft-listen-address"},
      descriptionKey = "ingester.raft_listen_address", defaultValue = "",
      description = "Raft listen address; empty: as for `--server.grpc-listen-address`, from this node's "
          + "`raft_address`")
  public String raftListenAddress = "";

  @Option(names = {"--ingester.ring.replication-factor", "-ingester.ring.replication-factor",
      "--ingester.replication-factor", "-ingester.replication-factor"},
      descriptionKey = "ingester.ring.replication_factor", defaultValue = "1",
      description = "replicas per shard when shards are placed round-robin (3 in a cluster)")
  public int replicationFactor = 1;

  @Option(names = {"--ingester.ring.auto-join", "-ingester.ring.auto-join"},
      descriptionKey = "ingester.ring.auto_join", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      description = "at start, an ingester not yet in the ring joins it as `POST /ingester/ring/join` does, moving "
          + "its share of the replicas onto itself, retried every 5s until it succeeds; `GET /ingester/ring` shows "
          + "its progress as `auto_join`. A node the ring holds already changes nothing")
  public boolean ringAutoJoin = false;

  @Option(names = {"--ingester.raft.election-timeout", "-ingester.raft.election-timeout"},
      descriptionKey = "ingester.raft.election_timeout", defaultValue = "1s", converter = DurationConverter.class,
      description = "shortest time without a leader before a replica stands for election (the longest is twice it)")
  public Duration electionTimeout = Duration.ofSeconds(1);

  @Option(names = {"--ingester.raft.snapshot-entries", "-ingester.raft.snapshot-entries"},
      descriptionKey = "ingester.raft.snapshot_entries", defaultValue = "20000",
      description = "snapshot a shard's heads after this many log entries, then purge the log")
  public long snapshotEntries = 20_000;

  @Option(names = {"--ingester.instance-limits.max-heap-used-percent",
      "-ingester.instance-limits.max-heap-used-percent"},
      descriptionKey = "ingester.instance_limits.max_heap_used_percent", defaultValue = "90",
      description = "shard leaders refuse pushes (5xx) while the heap in use after collection is over this percent "
          + "of the maximum heap, so heads that cannot ship or truncate (an object-storage outage) never "
          + "run the process out of memory; 0 turns it off")
  public int maxHeapUsedPercent = 90;

  @Option(names = {"--ingester.raft.write-timeout", "-ingester.raft.write-timeout"},
      descriptionKey = "ingester.raft.write_timeout", defaultValue = "15s", converter = DurationConverter.class,
      description = "how long a write waits for a shard's quorum before it fails with a 5xx")
  public Duration raftWriteTimeout = Duration.ofSeconds(15);

  @Option(names = {"--ingester.raft.transport", "-ingester.raft.transport"},
      descriptionKey = "ingester.raft.transport", defaultValue = "grpc", converter = RaftTransportConverter.class,
      description = "how the ingesters' Raft servers (shards and ring) and their clients talk: `grpc` (HTTP/2; "
          + "mutual TLS with the `-server.grpc-tls-*` and `-ingester.client.tls-*` flags) or `netty` (Ratis's "
          + "Netty transport: length-prefixed messages over one TCP connection per peer, less CPU per sample, no "
          + "TLS, refused with it; each write holds a server thread until it commits). Every process of a cluster "
          + "must use the same one: a change restarts all of them, not a rolling restart")
  public RaftOptions.Transport raftTransport = RaftOptions.DEFAULT_TRANSPORT;

  @Option(names = {"--ingester.metadata-retain-period", "-ingester.metadata-retain-period"},
      descriptionKey = "ingester.metadata_retain_period", defaultValue = "10m", converter = DurationConverter.class,
      description = "metric metadata not sent again for this long is forgotten, measured on the distributors' "
          + "clock carried in the log so that every replica forgets alike (a head truncation also forgets what was "
          + "last sent before its time); `0s` never forgets it. One value for the whole cluster")
  public Duration metadataRetainPeriod = Duration.ofMinutes(10);

  @Option(names = {"--blocks-storage.tsdb.dir", "-blocks-storage.tsdb.dir"},
      descriptionKey = "blocks_storage.tsdb.dir", defaultValue = "./data/tsdb",
      description = "the ingester's local data directory")
  public String tsdbDir = "./data/tsdb";

  @Option(names = {"--blocks-storage.tsdb.block-ranges-period", "-blocks-storage.tsdb.block-ranges-period"},
      descriptionKey = "blocks_storage.tsdb.block_ranges_period", defaultValue = "2h",
      converter = DurationConverter.class,
      description = "time range of the blocks ingesters cut (aligned to multiples of it)")
  public Duration blockRangesPeriod = Duration.ofHours(2);

  @Option(names = {"--blocks-storage.tsdb.head-compaction-idle-timeout",
      "-blocks-storage.tsdb.head-compaction-idle-timeout"},
      descriptionKey = "blocks_storage.tsdb.head_compaction_idle_timeout", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "a tenant's head that took no sample for this long is cut into blocks whole, as Mimir's; up to "
          + "25% jitter is added so that ingesters do not all cut at once; `0s` never. Otherwise a head's oldest "
          + "range is cut once the head spans more than 1.5 block ranges, by sample time, as Prometheus and Mimir "
          + "cut: a backfill or senders that drift apart lose no sample within the 1h appendable window")
  public Duration headCompactionIdleTimeout = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.tsdb.block-cut-grace-period", "-blocks-storage.tsdb.block-cut-grace-period"},
      descriptionKey = "blocks_storage.tsdb.block_cut_grace_period", converter = DurationConverter.class,
      description = "deprecated and ignored (logs a warning), to be removed: ranges are cut by sample time now, "
          + "and idle heads after `-blocks-storage.tsdb.head-compaction-idle-timeout`")
  public Duration blockCutGracePeriod;

  @Option(names = {"--blocks-storage.tsdb.retention-period", "-blocks-storage.tsdb.retention-period"},
      descriptionKey = "blocks_storage.tsdb.retention_period", defaultValue = "13h",
      converter = DurationConverter.class,
      description = "how long shipped blocks stay on the ingesters' local disk, served by them, after their upload "
          + "(as Mimir's), so store-gateways and queriers find the block first")
  public Duration tsdbRetentionPeriod = Duration.ofHours(13);

  @Option(names = {"--blocks-storage.tsdb.ship-interval", "-blocks-storage.tsdb.ship-interval"},
      descriptionKey = "blocks_storage.tsdb.ship_interval", defaultValue = "1m", converter = DurationConverter.class,
      description = "how often a shard leader looks for blocks to cut, ship or retry")
  public Duration shipInterval = Duration.ofMinutes(1);

  /** {@code grpc} or {@code netty}, in any case. */
  static final class RaftTransportConverter implements CommandLine.ITypeConverter<RaftOptions.Transport> {
    @Override
    public RaftOptions.Transport convert(String value) {
      try {
        return RaftOptions.Transport.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "unknown -ingester.raft.transport '" + value + "': expected grpc or netty");
      }
    }
  }
}
