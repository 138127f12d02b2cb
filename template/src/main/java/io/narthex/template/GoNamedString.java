package io.narthex.template;

/**
 * A value of a Go string type with a name of its own, such as html/template's {@code HTML} that {@code safeHtml}
 * returns: it prints and compares as a string, but is not a {@code string} where a function wants one, as in Go
 * ({@code wrong type for value; expected string; got template.HTML}).
 */
record GoNamedString(String goTypeName, String value) implements GoTyped {
  static final String HTML = "template.HTML";
}
