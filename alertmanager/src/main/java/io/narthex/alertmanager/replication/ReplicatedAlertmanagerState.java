package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.replication.BinaryCodec.CorruptEntryException;
import io.narthex.alertmanager.replication.StateEntry.QueryKind;
import io.narthex.alertmanager.state.TenantState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * The replicated Alertmanager state of every tenant, as the runtime and the API use it: each change is a log entry of
 * the tenant's group ({@link AlertmanagerPlacement#groupOf}), answered once a quorum committed it and the leader
 * applied it, at the leader's time; each read is linearizable (Ratis's ReadIndex), answered by this process's
 * replica when it holds one, else by the leader, so a read sees every change acknowledged before it began.
 *
 * <p>Calls block (up to {@link ReplicationOptions#requestTimeout()}): run them off event loops. Errors:
 * {@link EntryTooLargeException} (a client fault, 413) before anything is proposed; {@link SilenceRefusedException}
 * (400 or 404) when the state machine refuses a silence change; {@link StateUnavailableException} (503) when the
 * group has no leader or quorum in time. Thread-safe.
 */
public final class ReplicatedAlertmanagerState implements AutoCloseable {
  private static final long LEADERSHIP_RETRY_SLEEP_MS = 50;

  /**
   * What a post stored.
   *
   * @param stored how many alerts were stored (new or merged)
   * @param invalid why each invalid alert was refused ({@code types.Alert.Validate}'s messages; the API answers 400)
   * @param refused why each alert over a tenant limit was refused (Mimir's messages; logged, the API answers 200)
   */
  public record PostResult(int stored, List<String> invalid, List<String> refused) {}

  private final AlertmanagerPlacement placement;
  private final ReplicationOptions options;
  private final AlertmanagerReplicaNode local;
  private final RaftProperties properties;
  private final Map<Integer, RaftClient> clients = new ConcurrentHashMap<>();

  /**
   * @param local this process's replicas, which answer reads of their groups and tell leadership; null in a process
   *     that holds none
   */
  public ReplicatedAlertmanagerState(AlertmanagerPlacement placement, ReplicationOptions options,
      AlertmanagerReplicaNode local) {
    this.placement = placement;
    this.options = options;
    this.local = local;
    this.properties = AlertmanagerReplicaNode.properties(options);
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(
        Math.max(1, options.requestTimeout().toMillis() / 3), TimeUnit.MILLISECONDS));
  }

  private RaftClient client(int group) {
    return clients.computeIfAbsent(group, g -> {
      long sleepMs = 100;
      int attempts = (int) Math.max(1, options.requestTimeout().toMillis() / sleepMs);
      return RaftClient.newBuilder()
          .setProperties(properties)
          .setRaftGroup(placement.raftGroup(g))
          .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
              TimeDuration.valueOf(sleepMs, TimeUnit.MILLISECONDS)))
          .build();
    });
  }

  /** The group holding a tenant's state. */
  public int groupOf(String tenant) {
    return placement.groupOf(tenant);
  }

  /**
   * Posts alerts, as {@code AlertStore.post} with the tenant's {@code resolve_timeout} and limits.
   *
   * @throws EntryTooLargeException when the alerts take more than the largest entry
   * @throws StateUnavailableException when the group did not commit it in time
   */
  public PostResult postAlerts(String tenant, List<AlertStore.PostableAlert> alerts, Duration resolveTimeout,
      AlertStore.Limits limits) {
    Reply reply = write(new StateEntry.PostAlerts(tenant, 0, resolveTimeout.toMillis(), limits, alerts));
    return new PostResult(reply.stored(), reply.invalid(), reply.refused());
  }

  /**
   * Creates or updates a silence, as {@code Silences.set}; a silence created gets a UUID drawn here.
   *
   * @return the id written
   * @throws SilenceRefusedException with Alertmanager's message when invalid, over a limit or not found
   * @throws EntryTooLargeException when the silence takes more than the largest entry
   * @throws StateUnavailableException when the group did not commit it in time
   */
  public String setSilence(String tenant, Silence silence, Silences.Limits limits) {
    Reply reply = write(new StateEntry.SetSilence(tenant, 0, limits, silence, UUID.randomUUID().toString()));
    silenceOutcome(reply);
    return reply.message();
  }

  /**
   * Expires a silence, as {@code Silences.expire}.
   *
   * @throws SilenceRefusedException when unknown (not found) or already expired
   * @throws StateUnavailableException when the group did not commit it in time
   */
  public void expireSilence(String tenant, String silenceId) {
    silenceOutcome(write(new StateEntry.ExpireSilence(tenant, 0, silenceId)));
  }

  private static void silenceOutcome(Reply reply) {
    if (reply.status() != Reply.OK) {
      Silences.SilenceException.Reason reason;
      if (!reply.reason().isEmpty()) {
        reason = Silences.SilenceException.Reason.valueOf(reply.reason());
      } else {
        // An entry the group could not read at all.
        reason = reply.status() == Reply.NOT_FOUND ? Silences.SilenceException.Reason.NOT_FOUND
            : Silences.SilenceException.Reason.INVALID;
      }
      throw new SilenceRefusedException(reply.message(), reason);
    }
  }

  /**
   * Opens a notify intent, committed before the send, without fencing: any leader commits it (tests and tools; the
   * dispatch uses {@link #notifyIntent(String, NotifyIntent, long)}).
   *
   * @throws StateUnavailableException when the group did not commit it in time: do not send
   */
  public void notifyIntent(String tenant, NotifyIntent intent) {
    write(new StateEntry.Intent(tenant, 0, intent));
  }

  /**
   * Opens a notify intent, committed before the send, fenced to the term in which the caller leads the group
   * ({@link AlertmanagerReplicaNode#leaderTerm}): the client forwards a proposal to whichever replica leads now, and
   * a leader of another term refuses it, so a deposed leader that has not heard of it yet cannot send.
   *
   * @throws StateUnavailableException when the group did not commit it in time, or another leader refused it: do
   *     not send
   */
  public void notifyIntent(String tenant, NotifyIntent intent, long leaderTerm) {
    Reply reply = write(new StateEntry.Intent(tenant, 0, intent, leaderTerm));
    if (reply.status() != Reply.OK) {
      throw new StateUnavailableException(reply.message(), null);
    }
  }

  /**
   * Closes an intent whose send the receiver accepted: it becomes the notification log entry, at the leader's time.
   *
   * @return false when the intent was not open (already closed, or collected)
   * @throws StateUnavailableException when the group did not commit it in time
   */
  public boolean notifyDone(String tenant, String intentId) {
    return write(new StateEntry.Done(tenant, 0, intentId)).status() == Reply.OK;
  }

  /**
   * Closes an intent whose retries ran out: nothing is logged.
   *
   * @return false when the intent was not open
   * @throws StateUnavailableException when the group did not commit it in time
   */
  public boolean notifyAbandoned(String tenant, String intentId) {
    return write(new StateEntry.Abandoned(tenant, 0, intentId)).status() == Reply.OK;
  }

  /**
   * Garbage-collects a group at the leader's time: silences and log entries past their retention, resolved alerts,
   * intents open for longer than the retention.
   *
   * @throws StateUnavailableException when the group did not commit it in time
   */
  public void collect(int group) {
    write(group, new StateEntry.Collect(0));
  }

  /**
   * Merges a tenant's bucket state into its replicated state (newer wins): the seed of a group whose log and
   * snapshot are empty.
   *
   * @throws EntryTooLargeException when the state takes more than the largest entry
   * @throws StateUnavailableException when the group did not commit it in time
   */
  public void loadState(String tenant, TenantState state) {
    write(new StateEntry.LoadState(tenant, 0, state));
  }

  /** The tenant's alerts, resolved ones included until collected; linearizable. */
  public List<Alert> alerts(String tenant) {
    return readList(tenant, QueryKind.ALERTS, BinaryCodec.Reader::readAlert);
  }

  /** The tenant's silences, expired ones included until collected, in creation order; linearizable. */
  public List<Silence> silences(String tenant) {
    return readList(tenant, QueryKind.SILENCES, BinaryCodec.Reader::readSilence);
  }

  /** The tenant's notification log, by group key and receiver; linearizable. */
  public List<NotificationLog.Entry> notificationLog(String tenant) {
    return readList(tenant, QueryKind.NOTIFICATION_LOG, BinaryCodec.Reader::readLogEntry);
  }

  /** The tenant's open intents in the order they were opened: after a leader change, the sends in doubt. */
  public List<NotifyIntent> openIntents(String tenant) {
    return readList(tenant, QueryKind.OPEN_INTENTS, BinaryCodec.Reader::readIntent);
  }

  /** The tenants with state in a group, by name; linearizable. */
  public List<String> tenants(int group) {
    return decodeList(read(group, new StateEntry.Query("", 0, QueryKind.TENANTS)), BinaryCodec.Reader::readString);
  }

  /** Whether this process leads {@code group} and has applied every entry its term inherited. */
  public boolean isLeaderReady(int group) {
    return local != null && local.isLeaderReady(group);
  }

  /** This process's replicas; null when it holds none. */
  public AlertmanagerReplicaNode local() {
    return local;
  }

  /** How many groups the placement has. */
  public int groupCount() {
    return placement.groupCount();
  }

  /** Adds a listener of this process's leaderships (none without local replicas). */
  public void addLeadershipListener(LeadershipListener listener) {
    if (local != null) {
      local.addLeadershipListener(listener);
    }
  }

  private interface ItemReader<T> {
    T read(BinaryCodec.Reader r) throws CorruptEntryException;
  }

  private <T> List<T> readList(String tenant, QueryKind kind, ItemReader<T> item) {
    return decodeList(read(placement.groupOf(tenant), new StateEntry.Query(tenant, 0, kind)), item);
  }

  private static <T> List<T> decodeList(byte[] bytes, ItemReader<T> item) {
    try {
      BinaryCodec.Reader r = new BinaryCodec.Reader(bytes);
      int n = r.readCount(1, "items");
      List<T> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(item.read(r));
      }
      return out;
    } catch (CorruptEntryException e) {
      throw new IllegalStateException("unreadable answer of the alertmanager state: " + e.getMessage(), e);
    }
  }

  private Reply write(StateEntry entry) {
    return write(placement.groupOf(entry.tenant()), entry);
  }

  private Reply write(int group, StateEntry entry) {
    byte[] bytes = StateEntry.encode(entry);
    if (bytes.length > options.maxEntryBytes()) {
      throw new EntryTooLargeException(bytes.length, options.maxEntryBytes());
    }
    RaftClientReply reply = call(group, bytes, false);
    try {
      return Reply.decode(reply.getMessage().getContent().toByteArray());
    } catch (CorruptEntryException e) {
      throw new IllegalStateException("unreadable reply of alertmanager group " + group + ": " + e.getMessage(), e);
    }
  }

  private byte[] read(int group, StateEntry.Query query) {
    return call(group, StateEntry.encode(query), true).getMessage().getContent().toByteArray();
  }

  /**
   * Sends until the group answers or the request timeout passes. A write is sent again only when leadership moved
   * (Ratis appended nothing); a read, which changes nothing, on any failure.
   */
  private RaftClientReply call(int group, byte[] bytes, boolean readOnly) {
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
    long deadlineNanos = System.nanoTime() + options.requestTimeout().toNanos();
    RaftPeerId localPeer = local != null && local.groups().contains(group) ? RaftPeerId.valueOf(local.nodeId())
        : null;
    Throwable last = null;
    while (true) {
      try {
        RaftClientReply reply;
        if (!readOnly) {
          reply = client(group).io().send(message);
        } else if (localPeer != null && last == null) {
          reply = client(group).io().sendReadOnly(message, localPeer);
        } else {
          reply = client(group).io().sendReadOnly(message);
        }
        if (reply.isSuccess()) {
          return reply;
        }
        last = reply.getException();
      } catch (IOException e) {
        last = e;
      }
      // The leader's refusal comes back as a StateMachineException carrying our exception's name and message only.
      if (last instanceof StateMachineException && String.valueOf(last.getMessage())
          .contains(EntryTooLargeException.class.getName())) {
        throw new EntryTooLargeException(bytes.length, options.maxEntryBytes());
      }
      if ((!readOnly && !isLeadershipChange(last)) || System.nanoTime() >= deadlineNanos) {
        throw new StateUnavailableException("alertmanager state group " + group + " is unavailable: "
            + (last == null ? "no answer" : last.toString()), last);
      }
      try {
        Thread.sleep(LEADERSHIP_RETRY_SLEEP_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StateUnavailableException("interrupted while waiting for alertmanager state group " + group, e);
      }
    }
  }

  private static boolean isLeadershipChange(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof LeaderSteppingDownException || t instanceof NotLeaderException
          || t instanceof LeaderNotReadyException || t instanceof TransferLeadershipException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    for (RaftClient client : clients.values()) {
      try {
        client.close();
      } catch (IOException e) {
        // Closing a client loses nothing.
      }
    }
  }
}
