package io.narthex.ingester.ring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.common.FileSync;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ring group's state machine: applies {@link RingCommand}s to a {@link RingState} and publishes each new state
 * to the process's {@link RingView}. Its snapshot is the state's JSON (a few KiB), taken at the Raft server's
 * snapshot threshold like the shards' ({@code RaftOptions.snapshotEveryEntries}; ring changes are rare, so the log
 * stays short without one); a replica that joins the ring group late installs it from the leader.
 *
 * <p>Each entry's reply is JSON: {@code {"applied": true, "state": {...}}}, or {@code {"applied": false, "error":
 * "..."}} when the command does not fit the state (every replica refuses it alike, and nothing changes), or was
 * planned by a ring leader of another term than the entry's ({@link RingCommand.Planned}: the state's
 * {@code last_error} says so, nothing else changes). A read-only
 * query (any message) answers the current state's JSON.
 */
public final class RingStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(RingStateMachine.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final RingView view;
  private volatile RingState state = RingState.EMPTY;

  /** @param view told of every state applied or loaded */
  public RingStateMachine(RingView view) {
    this.view = view;
  }

  /** The state as applied on this replica so far. */
  public RingState state() {
    return state;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    loadLatestSnapshot();
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /** Before a snapshot from the leader is installed: Ratis reloads only a PAUSED state machine. */
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

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return storage.getLatestSnapshot();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    ObjectNode reply = JSON.createObjectNode();
    try {
      RingCommand command = RingCommand.fromJson(entry.getStateMachineLogEntry().getLogData().toByteArray());
      if (command instanceof RingCommand.Planned planned && planned.term() != entry.getTerm()) {
        String error = "refused " + planned.command() + ": planned by the ring group's leader of term "
            + planned.term() + ", committed in term " + entry.getTerm() + " (a deposed ring leader's plan; the"
            + " current leader plans again)";
        state = state.fenced(error);
        view.update(state);
        reply.put("applied", false).put("error", error);
        log.warn("ingester ring version={}: {}", state.version(), error);
      } else {
        RingState next = state.apply(command);
        state = next;
        view.update(next);
        reply.put("applied", true).set("state", next.toJson());
        log.info("ingester ring changed version={} command={}", next.version(), command);
      }
    } catch (IOException | RuntimeException e) {
      // Deterministic on every replica: refused alike everywhere, never a failed future (that stops the apply loop).
      reply.put("applied", false).put("error", e.getMessage());
    }
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(reply.toString(), StandardCharsets.UTF_8)));
  }

  /** Any query answers this replica's state as JSON (the caller asks the leader for an up-to-date one). */
  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(state.toJsonBytes())));
  }

  /** Runs on the apply thread: the state written is the one at the last applied index. */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path temporary = file.toPath().resolveSibling(file.getName() + ".tmp");
    Files.write(temporary, state.toJsonBytes());
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
      // Ratis purges the log up to this snapshot once we return: it must be on disk first.
      channel.force(true);
    }
    Files.move(temporary, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    FileSync.directory(file.toPath().getParent());
    var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
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
    state = RingState.fromJson(Files.readAllBytes(path));
    view.update(state);
    updateLastAppliedTermIndex(snapshot.getTermIndex());
  }
}
