package io.narthex.app;

import picocli.CommandLine.Option;

/**
 * The distributor's own bounds (Mimir's {@code distributor} block); per-tenant limits are in {@link LimitsOptions}. A
 * mixin of {@link NarthexOptions}, reached as {@code options.distributor}: each option's flag, YAML path ({@code
 * descriptionKey}), default and help are declared here once, and the CLI, {@code --config.file} and
 * docs/configuration.md are all generated from it.
 */
public final class DistributorOptions {
  @Option(names = {"--distributor.max-recv-msg-size", "-distributor.max-recv-msg-size"},
      descriptionKey = "distributor.max_recv_msg_size", defaultValue = "104857600",
      description = "largest remote-write body in bytes, compressed or not")
  public int maxRecvMsgSizeBytes = 104_857_600;

  @Option(names = {"--distributor.instance-limits.max-inflight-push-requests",
      "-distributor.instance-limits.max-inflight-push-requests"},
      descriptionKey = "distributor.instance_limits.max_inflight_push_requests", defaultValue = "2000",
      description = "most push requests one distributor handles at once; more get 503 "
          + "`err-narthex-distributor-max-inflight-push-requests`. `0` = unlimited. Mimir's flag and "
          + "default")
  public int maxInflightPushRequests = 2000;

  @Option(names = {"--distributor.instance-limits.max-inflight-push-requests-bytes",
      "-distributor.instance-limits.max-inflight-push-requests-bytes"},
      descriptionKey = "distributor.instance_limits.max_inflight_push_requests_bytes", defaultValue = "-1",
      description = "most bytes of pushes in flight on one distributor, counting each compressed body and its "
          + "uncompressed size; more get 503 `err-narthex-distributor-max-inflight-push-requests-bytes`. "
          + "`0` = unlimited (Mimir's default). Narthex bounds it by default because each counted byte "
          + "costs about two more while a push is split into shard entries and replicated, so a quarter of "
          + "the heap keeps the peak under it with room for the heads: `-1` (the default) means a quarter of `-Xmx`")
  public long maxInflightPushRequestsBytes = -1;

  /** {@link #maxInflightPushRequestsBytes} with -1 resolved to a quarter of the maximum heap. */
  public long maxInflightPushRequestsBytes() {
    return maxInflightPushRequestsBytes == -1 ? Runtime.getRuntime().maxMemory() / 4 : maxInflightPushRequestsBytes;
  }
}
