package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.replication.BinaryCodec.CorruptEntryException;
import io.narthex.common.FileSync;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of one tenant-state group: committed entries ({@link StateEntry}) are applied to a
 * {@link GroupState} in log order; read-only queries are answered from it; a snapshot is its bytes in one file, so
 * Ratis can purge the log before it and send it to a replica that fell behind.
 *
 * <p>The leader stamps its clock into each proposal ({@link #startTransaction}), never behind the previous stamp,
 * and refuses proposals over {@code maxEntryBytes} before they enter the log.
 */
final class TenantStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(TenantStateMachine.class);

  private final int group;
  private final Clock clock;
  private final int maxEntryBytes;
  private final LeadershipListener listener;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  // Guards state: the apply thread writes, queries and local reads read.
  private final Object lock = new Object();
  private final GroupState state;
  private long lastStampMs = Long.MIN_VALUE;

  /** @param changes told of each applied change (see {@link StateListener}); null for none */
  TenantStateMachine(int group, Duration retention, Clock clock, int maxEntryBytes, LeadershipListener listener,
      StateListener changes) {
    this.group = group;
    this.clock = clock;
    this.maxEntryBytes = maxEntryBytes;
    this.listener = listener;
    this.state = new GroupState(group, retention, changes);
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    loadLatestSnapshot();
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /** Before a snapshot from the leader is installed: Ratis reloads only a state machine it finds PAUSED. */
  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshot();
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /**
   * On the leader, before the entry enters the log: an entry over the size cap is refused (nothing is appended);
   * any other gets the leader's time, at least the previous entry's, in its {@code now}.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    byte[] entry = request.getMessage().getContent().toByteArray();
    TransactionContext.Builder builder = TransactionContext.newBuilder().setStateMachine(this)
        .setClientRequest(request);
    if (entry.length > maxEntryBytes) {
      TransactionContext refused = builder.build();
      refused.setException(new EntryTooLargeException(entry.length, maxEntryBytes));
      return refused;
    }
    if (entry.length >= StateEntry.NOW_OFFSET + Long.BYTES) {
      long nowMs;
      synchronized (lock) {
        lastStampMs = Math.max(lastStampMs, clock.millis());
        nowMs = lastStampMs;
      }
      ByteBuffer.wrap(entry).putLong(StateEntry.NOW_OFFSET, nowMs);
    }
    return builder.setLogData(UnsafeByteOperations.unsafeWrap(entry)).build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    Reply reply;
    try {
      StateEntry decoded = StateEntry.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
      synchronized (lock) {
        reply = state.apply(decoded, entry.getTerm());
        lastStampMs = Math.max(lastStampMs, decoded.nowMs());
      }
    } catch (CorruptEntryException | RuntimeException e) {
      // Every replica refuses the same entry the same way, so the state stays equal; a failed future would stop
      // the group's apply loop for good.
      log.warn("alertmanager state entry refused group={} index={}: {}", group, entry.getIndex(), e.toString());
      reply = Reply.refused(false, "group " + group + " refused log entry " + entry.getIndex() + ": " + e);
    }
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.encode())));
  }

  /** Reads the state as applied here; Ratis runs it after the read index is applied for linearizable reads. */
  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      StateEntry decoded = StateEntry.decode(request.getContent().toByteArray());
      if (!(decoded instanceof StateEntry.Query query)) {
        return CompletableFuture.failedFuture(new IllegalArgumentException("not a query: " + decoded));
      }
      byte[] answer;
      synchronized (lock) {
        answer = state.query(query);
      }
      return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
    } catch (CorruptEntryException e) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(e.getMessage(), e));
    }
  }

  /** Runs {@code read} on the state as applied on this replica, under its lock (no linearizability). */
  <T> T readLocal(Function<GroupState, T> read) {
    synchronized (lock) {
      return read.apply(state);
    }
  }

  @Override
  public long takeSnapshot() throws IOException {
    byte[] bytes;
    TermIndex last;
    synchronized (lock) {
      last = getLastAppliedTermIndex();
      if (last == null || last.getIndex() < 0) {
        return -1;
      }
      BinaryCodec.Writer w = new BinaryCodec.Writer();
      state.writeSnapshot(w);
      bytes = w.toByteArray();
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    // Ratis purges the log up to this snapshot once we return: it must be on disk first.
    FileSync.writeAtomically(file.toPath(), bytes);
    var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
    log.info("alertmanager state snapshot taken group={} index={} bytes={}", group, last.getIndex(), bytes.length);
    return last.getIndex();
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      return;
    }
    Path path = snapshot.getFile().getPath();
    if (snapshot.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(path.toFile(), snapshot.getFile().getFileDigest());
    }
    byte[] bytes = Files.readAllBytes(path);
    try {
      synchronized (lock) {
        state.readSnapshot(new BinaryCodec.Reader(bytes));
      }
    } catch (CorruptEntryException e) {
      throw new IOException("alertmanager state snapshot " + path + " of group " + group + ": " + e.getMessage(), e);
    }
    updateLastAppliedTermIndex(snapshot.getTermIndex());
    log.info("alertmanager state snapshot loaded group={} index={} bytes={}", group, snapshot.getIndex(),
        bytes.length);
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    if (!groupMemberId.getPeerId().equals(newLeaderId)) {
      listener.leadershipChanged(group, false);
    }
  }

  /** This replica leads and has applied every entry its term inherited: it may dispatch. */
  @Override
  public void notifyLeaderReady() {
    listener.leadershipChanged(group, true);
  }
}
