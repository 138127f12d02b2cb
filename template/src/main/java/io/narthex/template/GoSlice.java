package io.narthex.template;

import java.util.AbstractList;
import java.util.List;

/** A named Go slice type ({@code type Alerts []Alert}): a list, with the Go type name messages show. */
public abstract class GoSlice<T> extends AbstractList<T> implements GoTyped {
  private final String goTypeName;
  private final List<T> items;

  /** Wraps {@code items} without copying them. */
  protected GoSlice(String goTypeName, List<T> items) {
    this.goTypeName = goTypeName;
    this.items = items;
  }

  @Override
  public T get(int index) {
    return items.get(index);
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public String goTypeName() {
    return goTypeName;
  }

  protected List<T> items() {
    return items;
  }

  /** A slice of Go type {@code goTypeName} ({@code []string}, {@code []template.Alert}) holding {@code items}. */
  public static <T> GoSlice<T> of(String goTypeName, List<T> items) {
    return new Plain<>(goTypeName, List.copyOf(items));
  }

  private static final class Plain<T> extends GoSlice<T> {
    Plain(String goTypeName, List<T> items) {
      super(goTypeName, items);
    }
  }
}
