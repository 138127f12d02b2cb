package io.narthex.distributor;

import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.ingester.client.WireFields;
import io.narthex.proto.ingester.PushResponse;
import java.util.concurrent.CompletableFuture;

/**
 * A shard without Raft: each {@code ShardLogEntry{snappy_push}} is applied to a real {@link ShardHeads} at once, as
 * the shard state machine applies it, so that handler tests run in milliseconds.
 */
final class IngesterShardWriter implements ShardWriter {
  final ShardHeads ingester = new ShardHeads();

  @Override
  public String name() {
    return "in-process shard";
  }

  @Override
  public synchronized CompletableFuture<PushResponse> pushEntry(byte[] shardLogEntry) {
    WireFields fields = new WireFields(shardLogEntry, 0, shardLogEntry.length, 6);
    int last = fields.count(5) - 1;
    byte[] push = PushEntryBuilder.decompress(shardLogEntry, fields.offset(5, last), fields.length(5, last));
    return CompletableFuture.completedFuture(ingester.pushEncoded(push, 0, push.length));
  }

  @Override
  public void close() {}
}
