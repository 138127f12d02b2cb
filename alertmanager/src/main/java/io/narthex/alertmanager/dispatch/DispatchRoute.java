package io.narthex.alertmanager.dispatch;

import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.Matcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A node of the routing tree with every inherited field resolved, as Alertmanager's {@code dispatch.NewRoute}: unset
 * receiver, {@code group_by} and timings come from the parent (the root's defaults are 30s, 5m and 4h), while mute and
 * active time intervals are the route's own; matchers are sorted by name, value, then operator.
 */
public final class DispatchRoute {
  public static final Duration DEFAULT_GROUP_WAIT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_GROUP_INTERVAL = Duration.ofMinutes(5);
  public static final Duration DEFAULT_REPEAT_INTERVAL = Duration.ofHours(4);

  private final DispatchRoute parent;
  private final int index;
  private final String receiver;
  private final List<String> groupBy;
  private final boolean groupByAll;
  private final List<Matcher> matchers;
  private final boolean continueMatching;
  private final Duration groupWait;
  private final Duration groupInterval;
  private final Duration repeatInterval;
  private final List<String> muteTimeIntervals;
  private final List<String> activeTimeIntervals;
  private final List<DispatchRoute> routes = new ArrayList<>();
  private final String key;
  private final String id;

  private DispatchRoute(AlertmanagerConfig.Route cr, DispatchRoute parent, int index) {
    this.parent = parent;
    this.index = index;
    receiver = cr.receiver() != null || parent == null ? cr.receiver() : parent.receiver;
    if (cr.groupBy() != null || cr.groupByAll() || parent == null) {
      groupBy = cr.groupBy() == null ? List.of() : List.copyOf(cr.groupBy());
      groupByAll = cr.groupByAll();
    } else {
      groupBy = parent.groupBy;
      groupByAll = parent.groupByAll;
    }
    groupWait = pick(cr.groupWait(), parent == null ? DEFAULT_GROUP_WAIT : parent.groupWait);
    groupInterval = pick(cr.groupInterval(), parent == null ? DEFAULT_GROUP_INTERVAL : parent.groupInterval);
    repeatInterval = pick(cr.repeatInterval(), parent == null ? DEFAULT_REPEAT_INTERVAL : parent.repeatInterval);
    // Unlike the other options, NewRoute overwrites these with the route's own: children do not inherit them
    // (checked against Alertmanager 0.25).
    muteTimeIntervals = cr.muteTimeIntervals() == null ? List.of() : List.copyOf(cr.muteTimeIntervals());
    activeTimeIntervals = cr.activeTimeIntervals() == null ? List.of() : List.copyOf(cr.activeTimeIntervals());
    List<Matcher> sorted = new ArrayList<>(cr.matchers() == null ? List.of() : cr.matchers());
    sorted.sort(Comparator.comparing(Matcher::name).thenComparing(Matcher::value)
        .thenComparing(m -> m.type().ordinal()));
    matchers = List.copyOf(sorted);
    continueMatching = cr.continueMatching();
    String own = matchersString(matchers);
    key = parent == null ? own : parent.key + "/" + own;
    // Alertmanager's Route.ID: the key, then the position among the parent's routes.
    id = parent == null ? own : key + "/" + index;
    List<AlertmanagerConfig.Route> children = cr.routes() == null ? List.of() : cr.routes();
    for (int i = 0; i < children.size(); i++) {
      routes.add(new DispatchRoute(children.get(i), this, i));
    }
  }

  /** The tree of a configuration's root route. */
  public static DispatchRoute root(AlertmanagerConfig config) {
    return new DispatchRoute(config.route(), null, 0);
  }

  /** The tree of one route used as the root. */
  public static DispatchRoute root(AlertmanagerConfig.Route route) {
    return new DispatchRoute(route, null, 0);
  }

  private static Duration pick(Duration own, Duration inherited) {
    return own != null ? own : inherited;
  }

  /** {@code labels.Matchers.String()}: {@code {a="b",c=~"d"}}. */
  static String matchersString(List<Matcher> matchers) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < matchers.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(matchers.get(i));
    }
    return b.append('}').toString();
  }

  /**
   * {@code Route.Match}: the routes that handle an alert with these labels, depth first; a child that matches handles
   * it and stops the search among its siblings unless it has {@code continue}; a node none of whose children matched
   * handles it itself. Empty when this node's own matchers fail.
   */
  public List<DispatchRoute> match(Map<String, String> labels) {
    List<DispatchRoute> out = new ArrayList<>();
    matchInto(labels, out);
    return out;
  }

  private void matchInto(Map<String, String> labels, List<DispatchRoute> out) {
    if (!matches(matchers, labels)) {
      return;
    }
    int before = out.size();
    for (DispatchRoute child : routes) {
      int size = out.size();
      child.matchInto(labels, out);
      if (out.size() > size && !child.continueMatching) {
        break;
      }
    }
    if (out.size() == before) {
      out.add(this);
    }
  }

  /** Whether every matcher matches; a missing label is the empty value. */
  public static boolean matches(List<Matcher> matchers, Map<String, String> labels) {
    for (Matcher m : matchers) {
      if (!m.matches(labels.getOrDefault(m.name(), ""))) {
        return false;
      }
    }
    return true;
  }

  /** {@code getGroupLabels}: the alert's labels named in {@code group_by}, or all of them for {@code ...}. */
  public SortedMap<String, String> groupLabels(Map<String, String> labels) {
    TreeMap<String, String> out = new TreeMap<>();
    if (groupByAll) {
      out.putAll(labels);
      return out;
    }
    for (String name : groupBy) {
      String v = labels.get(name);
      if (v != null) {
        out.put(name, v);
      }
    }
    return out;
  }

  /** {@code Route.Key()}: the matchers of the path from the root, joined by {@code /}. */
  public String key() {
    return key;
  }

  /** {@code Route.ID()}: the key with each child's index among its siblings, unique even for equal matchers. */
  public String id() {
    return id;
  }

  public DispatchRoute parent() {
    return parent;
  }

  public int index() {
    return index;
  }

  public String receiver() {
    return receiver;
  }

  public List<String> groupBy() {
    return groupBy;
  }

  public boolean groupByAll() {
    return groupByAll;
  }

  public List<Matcher> matchers() {
    return matchers;
  }

  public boolean continueMatching() {
    return continueMatching;
  }

  public Duration groupWait() {
    return groupWait;
  }

  public Duration groupInterval() {
    return groupInterval;
  }

  public Duration repeatInterval() {
    return repeatInterval;
  }

  public List<String> muteTimeIntervals() {
    return muteTimeIntervals;
  }

  public List<String> activeTimeIntervals() {
    return activeTimeIntervals;
  }

  public List<DispatchRoute> routes() {
    return List.copyOf(routes);
  }

  @Override
  public String toString() {
    return id + "->" + receiver;
  }
}
