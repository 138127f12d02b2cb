package io.narthex.tsdb.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.labels.Matcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.RoaringBitmap;

class PostingsForMatchersTest {
  /**
   * Series 0..4:
   * 0 {job="api", env="prod"}, 1 {job="api", env="dev"}, 2 {job="db", env="prod"}, 3 {job="dbx"}, 4 {job="web"}.
   */
  private final FakeIndex index = new FakeIndex(5)
      .add("job", "api", 0, 1).add("job", "db", 2).add("job", "dbx", 3).add("job", "web", 4)
      .add("env", "prod", 0, 2).add("env", "dev", 1);

  private RoaringBitmap select(Matcher... matchers) {
    return PostingsForMatchers.select(index, List.of(matchers));
  }

  private static Matcher m(Matcher.Type type, String name, String value) {
    return Matcher.of(type, name, value);
  }

  @Test
  void intersectsMatchersThatRejectTheEmptyValue() {
    assertThat(select(Matcher.equal("job", "api"), Matcher.equal("env", "prod")).toArray()).containsExactly(0);
    assertThat(select(Matcher.equal("job", "api"), Matcher.equal("env", "staging")).isEmpty()).isTrue();
  }

  @Test
  void subtractsForMatchersThatAcceptTheEmptyValueSoSeriesLackingTheLabelStay() {
    assertThat(select(m(Matcher.Type.NOT_EQUAL, "env", "prod")).toArray()).containsExactly(1, 3, 4);
    assertThat(select(Matcher.equal("env", "")).toArray()).containsExactly(3, 4);
    assertThat(select(m(Matcher.Type.NOT_REGEX, "job", "db.*")).toArray()).containsExactly(0, 1, 4);
  }

  @Test
  void startsFromAllSeriesWithoutARestrictingMatcher() {
    assertThat(select().toArray()).containsExactly(0, 1, 2, 3, 4);
    assertThat(select(m(Matcher.Type.REGEX, "job", ".*")).toArray()).containsExactly(0, 1, 2, 3, 4);
    assertThat(select(m(Matcher.Type.NOT_EQUAL, "missing", "x")).toArray()).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void literalAlternationLooksUpItsValuesWithoutWalkingTheLabel() {
    assertThat(select(m(Matcher.Type.REGEX, "job", "db|web|nope")).toArray()).containsExactly(2, 4);
    assertThat(index.walked).isEmpty();
  }

  @Test
  void prefixRegexWalksOnlyTheValuesWithItsPrefix() {
    assertThat(select(m(Matcher.Type.REGEX, "job", "db.*")).toArray()).containsExactly(2, 3);
    assertThat(index.walked).containsExactly("db", "dbx", "web");
  }

  @Test
  void resultIsFreshAndLeavesTheIndexUnchanged() {
    RoaringBitmap result = select(Matcher.equal("job", "api"));
    result.add(4);
    assertThat(select(Matcher.equal("job", "api")).toArray()).containsExactly(0, 1);
  }

  /** Postings in a sorted map; a value's handle is its bitmap. Records the values walked. */
  private static final class FakeIndex implements PostingsForMatchers.Index<RoaringBitmap, RuntimeException> {
    private final Map<String, TreeMap<String, RoaringBitmap>> postings = new TreeMap<>();
    private final RoaringBitmap all = new RoaringBitmap();
    final List<String> walked = new ArrayList<>();

    FakeIndex(int numSeries) {
      all.add(0L, numSeries);
    }

    FakeIndex add(String name, String value, int... ids) {
      postings.computeIfAbsent(name, k -> new TreeMap<>()).put(value, RoaringBitmap.bitmapOf(ids));
      return this;
    }

    @Override
    public RoaringBitmap allPostings() {
      return all.clone();
    }

    @Override
    public RoaringBitmap lookup(String name, String value) {
      TreeMap<String, RoaringBitmap> values = postings.get(name);
      return values == null ? null : values.get(value);
    }

    @Override
    public void forEachValue(String name, String from, PostingsForMatchers.ValueVisitor<RoaringBitmap> visitor) {
      NavigableMap<String, RoaringBitmap> values = postings.getOrDefault(name, new TreeMap<>()).tailMap(from, true);
      for (Map.Entry<String, RoaringBitmap> entry : values.entrySet()) {
        walked.add(entry.getKey());
        if (!visitor.visit(entry.getKey(), entry.getValue())) {
          return;
        }
      }
    }

    @Override
    public RoaringBitmap union(String name, List<RoaringBitmap> handles) {
      return handles.size() == 1 ? handles.getFirst() : FastAggregation.or(handles.iterator());
    }
  }
}
