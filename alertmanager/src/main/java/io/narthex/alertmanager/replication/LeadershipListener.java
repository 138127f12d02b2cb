package io.narthex.alertmanager.replication;

/**
 * Told when this process's replica of a group becomes its ready leader (it has applied every entry its term
 * inherited, so it may dispatch the group's tenants) or stops leading (it must stop dispatching at once). Called on
 * Ratis's threads: it must not block.
 */
@FunctionalInterface
public interface LeadershipListener {
  void leadershipChanged(int group, boolean leaderReady);
}
