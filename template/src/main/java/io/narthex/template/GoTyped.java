package io.narthex.template;

/**
 * A value that stands for a Go type in templates, so that messages name the type as Go would (for example
 * {@code *template.sample} or {@code template.Data}). Records that implement it are Go structs: {@code .Field} reads
 * the record component of that name with a lower-case first letter ({@code .Labels} reads {@code labels()}).
 */
public interface GoTyped {
  /** The Go type name, as {@code reflect.Type.String} writes it. */
  String goTypeName();

  /**
   * Whether the Go value is a pointer to a struct: {@code fmt} writes it {@code &{...}}, and a template's
   * {@code {{.}}} writes the struct without the {@code &}.
   */
  default boolean goPointer() {
    return goTypeName().startsWith("*");
  }
}
