package io.narthex.ingester.client;

import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.LabelMatcher;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.util.ArrayList;
import java.util.List;

/** Conversions between the wire types of {@code types.proto} and tsdb's label sets and matchers. */
public final class ProtoConversions {
  private ProtoConversions() {}

  /**
   * Label set of wire labels that the distributor validated: sorted, unique names, no empty values. Checked again
   * here in one pass, since a broken label set would corrupt the index.
   *
   * @throws IllegalArgumentException when the labels are not sorted and unique, or a value is empty
   */
  public static Labels labelsOfValidated(List<Label> labels) {
    String[] pairs = new String[labels.size() * 2];
    for (int i = 0; i < labels.size(); i++) {
      Label label = labels.get(i);
      if (label.getValue().isEmpty() || (i > 0 && pairs[2 * i - 2].compareTo(label.getName()) >= 0)) {
        throw new IllegalArgumentException("label set is not sorted, unique and non-empty: " + labels);
      }
      pairs[2 * i] = label.getName();
      pairs[2 * i + 1] = label.getValue();
    }
    return Labels.fromSortedPairs(pairs);
  }

  public static List<Label> toProto(Labels labels) {
    List<Label> out = new ArrayList<>(labels.size());
    for (int i = 0; i < labels.size(); i++) {
      out.add(Label.newBuilder().setName(labels.name(i)).setValue(labels.value(i)).build());
    }
    return out;
  }

  public static List<LabelMatcher> toProtoMatchers(List<Matcher> matchers) {
    List<LabelMatcher> out = new ArrayList<>(matchers.size());
    for (Matcher matcher : matchers) {
      LabelMatcher.Type type = switch (matcher.type()) {
        case EQUAL -> LabelMatcher.Type.EQ;
        case NOT_EQUAL -> LabelMatcher.Type.NEQ;
        case REGEX -> LabelMatcher.Type.RE;
        case NOT_REGEX -> LabelMatcher.Type.NRE;
      };
      out.add(LabelMatcher.newBuilder().setType(type).setName(matcher.name()).setValue(matcher.value()).build());
    }
    return out;
  }

  /**
   * @throws IllegalArgumentException on an unknown matcher type or a regex that does not compile
   */
  public static List<Matcher> fromProtoMatchers(List<LabelMatcher> matchers) {
    List<Matcher> out = new ArrayList<>(matchers.size());
    for (LabelMatcher matcher : matchers) {
      Matcher.Type type = switch (matcher.getType()) {
        case EQ -> Matcher.Type.EQUAL;
        case NEQ -> Matcher.Type.NOT_EQUAL;
        case RE -> Matcher.Type.REGEX;
        case NRE -> Matcher.Type.NOT_REGEX;
        case UNRECOGNIZED -> throw new IllegalArgumentException("unknown matcher type in " + matcher);
      };
      out.add(Matcher.of(type, matcher.getName(), matcher.getValue()));
    }
    return out;
  }
}
