package io.narthex.tsdb.index;

import io.narthex.tsdb.labels.Matcher;
import java.util.ArrayList;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * Prometheus's {@code PostingsForMatchers}, shared by the head's in-memory index and the block reader: intersect the
 * postings of matchers that do not match the empty string, then subtract, for matchers that do, the postings of the
 * values they reject, so series lacking the label stay. With no restricting matcher, start from all series.
 *
 * <p>Each index stores its postings its own way; it only says, through {@link Index}, how to look up a value, how to
 * walk a name's sorted values and how to union the postings of the values chosen.
 */
public final class PostingsForMatchers {
  private static final RoaringBitmap EMPTY = new RoaringBitmap();

  private PostingsForMatchers() {}

  /**
   * An index's postings as the planner reads them. {@code T} stands for one label value's postings, which the index
   * may fetch lazily in {@link #union}.
   *
   * @param <T> the index's handle on one label value's postings
   * @param <E> the exception reading postings may throw
   */
  public interface Index<T, E extends Exception> {
    /** Postings of every series, as a fresh bitmap the caller may change. */
    RoaringBitmap allPostings() throws E;

    /** The handle of {@code name="value"}, or null when no series has that pair. */
    T lookup(String name, String value) throws E;

    /**
     * Visits the values of label {@code name} from the first at or after {@code from} (all of them when
     * {@code from} is empty), in the index's order, until the visitor returns false.
     */
    void forEachValue(String name, String from, ValueVisitor<T> visitor) throws E;

    /**
     * Union of the postings behind one or more handles of label {@code name}. May return a bitmap the index holds,
     * which the planner does not change.
     */
    RoaringBitmap union(String name, List<T> handles) throws E;
  }

  /** Receives a label value and its postings handle; returns whether to go on. */
  @FunctionalInterface
  public interface ValueVisitor<T> {
    boolean visit(String value, T handle);
  }

  /** Series ids matching every matcher, as a fresh bitmap the caller may change. */
  public static <T, E extends Exception> RoaringBitmap select(Index<T, E> index, List<Matcher> matchers) throws E {
    List<RoaringBitmap> intersect = new ArrayList<>(matchers.size());
    List<RoaringBitmap> subtract = new ArrayList<>();
    for (Matcher m : matchers) {
      if (m.type() == Matcher.Type.REGEX && m.value().equals(".*")) {
        continue; // matches every value and absence
      }
      if (m.matchesEmpty()) {
        RoaringBitmap rejected = postingsForValues(index, m, false);
        if (!rejected.isEmpty()) {
          subtract.add(rejected);
        }
      } else {
        RoaringBitmap accepted = postingsForValues(index, m, true);
        if (accepted.isEmpty()) {
          return new RoaringBitmap();
        }
        intersect.add(accepted);
      }
    }
    RoaringBitmap result;
    if (intersect.isEmpty()) {
      result = index.allPostings();
    } else {
      intersect.sort((a, b) -> Integer.compare(a.getCardinality(), b.getCardinality()));
      result = intersect.get(0).clone();
      for (int i = 1; i < intersect.size() && !result.isEmpty(); i++) {
        result.and(intersect.get(i));
      }
    }
    for (int i = 0; i < subtract.size() && !result.isEmpty(); i++) {
      result.andNot(subtract.get(i));
    }
    return result;
  }

  /**
   * Union of the postings of the values {@code v} of the matcher's label with {@code m.matches(v) == wanted}. An
   * equality looks up its one value, a regex wanting what it accepts looks up its literal alternatives or walks only
   * the values with its literal prefix; anything else walks every value. The result must not be changed.
   */
  private static <T, E extends Exception> RoaringBitmap postingsForValues(Index<T, E> index, Matcher m,
      boolean wanted) throws E {
    String name = m.name();
    Matcher.Type type = m.type();
    boolean isRegex = type == Matcher.Type.REGEX || type == Matcher.Type.NOT_REGEX;
    // True when we want the values the matcher itself accepts (rather than those it rejects).
    boolean accepted = (type == Matcher.Type.EQUAL || type == Matcher.Type.REGEX) == wanted;
    if (!isRegex && accepted) {
      T handle = index.lookup(name, m.value());
      return handle == null ? EMPTY : index.union(name, List.of(handle));
    }
    List<T> selected = new ArrayList<>();
    List<String> literals = isRegex && accepted ? m.setMatches() : null;
    if (literals != null) {
      for (int i = 0; i < literals.size(); i++) {
        T handle = index.lookup(name, literals.get(i));
        if (handle != null) {
          selected.add(handle);
        }
      }
    } else {
      String prefix = isRegex && accepted ? m.prefix() : "";
      index.forEachValue(name, prefix, (value, handle) -> {
        if (!prefix.isEmpty() && !value.startsWith(prefix)) {
          return false;
        }
        if (m.matches(value) == wanted) {
          selected.add(handle);
        }
        return true;
      });
    }
    return selected.isEmpty() ? EMPTY : index.union(name, selected);
  }
}
