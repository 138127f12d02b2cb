package io.narthex.template;

/**
 * A template that does not parse or fails while it runs. The message has Go's shape, so users can search for it:
 * {@code template: <name>:<line>: <what>} for parse errors, and
 * {@code template: <name>:<line>:<column>: executing "<name>" at <<node>>: <what>} for execution errors (the column
 * is the node's byte offset from the start of its line, from 0, as Go's ErrorContext counts it).
 */
public final class TemplateException extends Exception {
  /** Whether the template failed to parse (a client's fault) or to run. */
  public enum Kind { PARSE, EXECUTION }

  private final Kind kind;

  TemplateException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
