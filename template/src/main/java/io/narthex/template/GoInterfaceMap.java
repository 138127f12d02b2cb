package io.narthex.template;

import java.util.LinkedHashMap;

/** A Go {@code map[string]interface {}}, such as {@code args} returns, whatever its values are now. */
final class GoInterfaceMap extends LinkedHashMap<String, Object> implements GoTyped {
  private static final long serialVersionUID = 1L;

  @Override
  public String goTypeName() {
    return "map[string]interface {}";
  }
}
