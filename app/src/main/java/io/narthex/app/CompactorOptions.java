package io.narthex.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The compactor (Mimir's {@code compactor} block). A mixin of {@link NarthexOptions}, reached as {@code
 * options.compactor}: each option's flag, YAML path ({@code descriptionKey}), default and help are declared here once,
 * and the CLI, {@code --config.file} and docs/configuration.md are all generated from it.
 */
public final class CompactorOptions {
  @Option(names = {"--compactor.block-ranges", "-compactor.block-ranges"}, split = ",",
      descriptionKey = "compactor.block_ranges", defaultValue = "2h,12h,24h", converter = DurationConverter.class,
      description = "block ranges to compact into, smallest first; the first is the ingesters' block range")
  public List<Duration> blockRanges =
      new ArrayList<>(List.of(Duration.ofHours(2), Duration.ofHours(12), Duration.ofHours(24)));

  @Option(names = {"--compactor.compaction-interval", "-compactor.compaction-interval"},
      descriptionKey = "compactor.compaction_interval", defaultValue = "1h", converter = DurationConverter.class,
      description = "how often the compactor runs")
  public Duration compactionInterval = Duration.ofHours(1);

  @Option(names = {"--compactor.deletion-delay", "-compactor.deletion-delay"},
      descriptionKey = "compactor.deletion_delay", defaultValue = "12h", converter = DurationConverter.class,
      description = "blocks marked for deletion are deleted this long after the mark")
  public Duration deletionDelay = Duration.ofHours(12);

  @Option(names = {"--compactor.first-level-compaction-wait-period",
      "-compactor.first-level-compaction-wait-period"},
      descriptionKey = "compactor.first_level_compaction_wait_period", defaultValue = "25m",
      converter = DurationConverter.class,
      description = "blocks uploaded by ingesters are compacted only once this old")
  public Duration firstLevelCompactionWaitPeriod = Duration.ofMinutes(25);

  @Option(names = {"--compactor.partial-block-deletion-delay", "-compactor.partial-block-deletion-delay"},
      descriptionKey = "compactor.partial_block_deletion_delay", defaultValue = "1d",
      converter = DurationConverter.class,
      description = "partial blocks (no meta.json: abandoned block writes, and block uploads never finished) are "
          + "deleted once nothing was written to them for this long; `0` never deletes them, as in Mimir")
  public Duration partialBlockDeletionDelay = Duration.ofDays(1);

  @Option(names = {"--compactor.data-dir", "-compactor.data-dir"}, descriptionKey = "compactor.data_dir",
      defaultValue = "./data/compactor",
      description = "the compactor's local scratch directory")
  public String dataDir = "./data/compactor";

  @Option(names = {"--compactor.ring.instance-id", "-compactor.ring.instance-id", "--compactor.instance-id",
      "-compactor.instance-id"}, descriptionKey = "compactor.sharding_ring.instance_id", defaultValue = "",
      description = "this compactor's id among `compactor.sharding_ring.nodes`; empty: "
          + "`--ingester.ring.instance-id`")
  public String instanceId = "";

  @Option(names = {"--compactor.testing.pause-after-upload", "-compactor.testing.pause-after-upload"},
      defaultValue = "0s", converter = DurationConverter.class, hidden = true,
      description = "testing only (hidden): pause between uploading a compacted block and marking its sources "
          + "deleted, for crash tests")
  public Duration pauseAfterUpload = Duration.ZERO;
}
