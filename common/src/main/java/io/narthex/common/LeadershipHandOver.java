package io.narthex.common;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the leadership of many Raft groups to other replicas at once, as a node does before it stops: each group
 * tries its targets in the order given until one takes over, all within one budget (an election timeout, past which
 * the followers of a stopped leader elect one anyway). Used by the ingester's shards and the alertmanager's groups.
 */
public final class LeadershipHandOver {
  private static final Logger log = LoggerFactory.getLogger(LeadershipHandOver.class);

  /** One transfer request to the group's leader. */
  public interface Transfer<T> {
    /**
     * @param timeoutMs what is left of the group's budget, at least 1
     * @return whether {@code target} took the leadership
     * @throws Exception when the request failed; the next target is tried
     */
    boolean transfer(int group, T target, long timeoutMs) throws Exception;
  }

  private LeadershipHandOver() {}

  /**
   * @param kind what a group is, for the log ("shard", "alertmanager group")
   * @param leads whether this node leads the group now; groups it does not lead are skipped
   * @param targets the group's other replicas, in the order to try them
   * @return the target that took each group over, by group; a group not handed over within the budget is absent
   */
  public static <T> Map<Integer, String> all(String kind, Iterable<Integer> groups, IntPredicate leads,
      IntFunction<List<T>> targets, Duration budget, Transfer<T> transfer) {
    Map<Integer, String> handedTo = new ConcurrentSkipListMap<>();
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int group : groups) {
        if (!leads.test(group)) {
          continue;
        }
        long deadlineNanos = System.nanoTime() + budget.toNanos();
        executor.execute(() -> {
          for (T target : targets.apply(group)) {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (leftMs <= 0) {
              return;
            }
            try {
              boolean done = transfer.transfer(group, target, leftMs);
              log.info("leadership transfer {}={} to={} success={}", kind, group, target, done);
              if (done) {
                handedTo.put(group, target.toString());
                return;
              }
            } catch (Exception e) {
              log.warn("leadership transfer failed {}={} to={}: {}", kind, group, target, e.toString());
            }
          }
        });
      }
    }
    return handedTo;
  }
}
