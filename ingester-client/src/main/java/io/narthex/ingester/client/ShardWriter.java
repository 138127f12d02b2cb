package io.narthex.ingester.client;

import io.narthex.proto.ingester.PushResponse;
import java.util.concurrent.CompletableFuture;

/**
 * Writes to one shard. The future completes once the shard has durably accepted the batch (a Raft quorum has
 * committed it) with the per-sample rejections, or fails with {@link ShardUnavailableException}.
 */
public interface ShardWriter extends AutoCloseable {
  /** Largest request to send in one push: a Raft log entry. Larger batches are split by the caller. */
  int MAX_ENTRY_BYTES = 4 << 20;

  /** Names the shard in logs and errors. */
  String name();

  /**
   * Writes an encoded {@code ShardLogEntry} holding a push, such as one built by {@link PushEntryBuilder}.
   *
   * @return the shard's answer, or a future failed with {@link ShardUnavailableException}
   */
  CompletableFuture<PushResponse> pushEntry(byte[] shardLogEntry);

  @Override
  void close();

  /** The shard could not take the batch: a server fault; the sender should retry. */
  final class ShardUnavailableException extends RuntimeException {
    public ShardUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
