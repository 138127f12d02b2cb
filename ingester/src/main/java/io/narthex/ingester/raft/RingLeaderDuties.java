package io.narthex.ingester.raft;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.ingester.ring.RingCommand;
import io.narthex.ingester.ring.RingPlanner;
import io.narthex.ingester.ring.RingState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the ring group's leader does, and no other node: runs the ring's changes one move at a time. A join or a
 * leave asked of any node is only recorded in the ring ({@link RingState#joining()}, {@link RingState#leaving()});
 * this loop, on every ingester, acts while its node leads the ring group, from the ring as applied there, so a new
 * leader takes up where a dead one stopped: first a pending move ({@link ReplicaMoves#resume}), then the moves off
 * leaving nodes and their {@code leave}, then the moves onto joining nodes and their {@code joined}. A failed move is
 * tried again after {@link #retryDelay}.
 */
final class RingLeaderDuties implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RingLeaderDuties.class);
  /** How often a node that is idle, or does not lead the ring group, looks again. */
  private static final Duration IDLE = Duration.ofMillis(100);

  private final IngesterNode node;
  private final ReplicaMoves moves;
  private final Duration catchUpTimeout;
  private final Duration retryDelay;
  private final Thread thread;
  private volatile boolean closed;

  /**
   * @param catchUpTimeout how long a new replica may take to catch up, a snapshot install included
   * @param retryDelay how long to wait after a failed move before trying again
   */
  RingLeaderDuties(IngesterNode node, ReplicaMoves moves, Duration catchUpTimeout, Duration retryDelay) {
    this.node = node;
    this.moves = moves;
    this.catchUpTimeout = catchUpTimeout;
    this.retryDelay = retryDelay;
    this.thread = Thread.ofPlatform().daemon().name("ring-leader-" + node.nodeId()).unstarted(this::run);
  }

  RingLeaderDuties start() {
    thread.start();
    return this;
  }

  private void run() {
    while (!closed) {
      Duration pause = IDLE;
      try {
        long term = node.ringLeaderTerm();
        if (term > 0 && runOne(term)) {
          continue;
        }
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return;
        }
        log.warn("the ring leader's change failed, trying again in {}: {}", retryDelay, e.toString());
        pause = retryDelay;
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Runs the ring's next step, if any, its ring commands planned in {@code term} ({@link RingCommand.Planned}): should
   * this node lose the ring group's leadership meanwhile, they are refused, and the next leader plans again.
   *
   * @return whether there was one
   */
  private boolean runOne(long term) throws IOException {
    RingState ring = node.ringState();
    if (!ring.isSeeded()) {
      return false;
    }
    if (!ring.pendingMoves().isEmpty()) {
      RingState.Move move = ring.pendingMoves().getFirst();
      log.info("ring leader {} runs the pending {}", node.nodeId(), move);
      moves.resume(move, ring, term, catchUpTimeout);
      return true;
    }
    for (String leaving : ring.leaving()) {
      List<RingState.Move> plan = RingPlanner.forLeave(ring, leaving);
      if (plan.isEmpty()) {
        command(new RingCommand.Planned(new RingCommand.Leave(leaving), term));
      } else {
        moves.start(plan.getFirst(), term, catchUpTimeout);
      }
      return true;
    }
    for (String joining : ring.joining()) {
      List<RingState.Move> plan = RingPlanner.forJoin(ring, joining);
      if (plan.isEmpty()) {
        command(new RingCommand.Planned(new RingCommand.Joined(joining), term));
      } else {
        moves.start(plan.getFirst(), term, catchUpTimeout);
      }
      return true;
    }
    return false;
  }

  private void command(RingCommand command) throws IOException {
    JsonNode reply = node.ringCommand(command);
    if (!reply.path("applied").asBoolean()) {
      throw new IOException("the ring group refused " + command + ": " + reply.path("error").asText());
    }
  }

  /** Stops the loop; a move under way stays pending in the ring for the next leader. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
