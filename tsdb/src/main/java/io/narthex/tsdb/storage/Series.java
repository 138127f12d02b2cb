package io.narthex.tsdb.storage;

import io.narthex.tsdb.labels.Labels;

/** A series: its label set and a fresh iterator over its samples each time {@link #iterator()} is called. */
public interface Series {
  Labels labels();

  SampleIterator iterator();
}
