package io.narthex.template;

/**
 * The Go type of a function parameter, which decides what an argument may be and how a mismatch is reported
 * ({@code wrong type for value; expected string; got float64}, as Go's executor writes it).
 *
 * @param goName the Go type as {@code reflect.Type.String} writes it
 * @param javaClass the class values of that type have here; {@code Object} for {@code interface {}}
 */
public record ArgType(String goName, Class<?> javaClass) {
  /** {@code interface {}}: anything, nil included. */
  public static final ArgType ANY = new ArgType("interface {}", Object.class);
  public static final ArgType STRING = new ArgType("string", String.class);
  public static final ArgType FLOAT64 = new ArgType("float64", Double.class);
  public static final ArgType INT = new ArgType("int", Long.class);
  public static final ArgType BOOL = new ArgType("bool", Boolean.class);

  /** Whether a Go nil fits: interfaces, pointers, maps and slices; not strings, numbers or bools. */
  boolean nilable() {
    return !(this.equals(STRING) || this.equals(FLOAT64) || this.equals(INT) || this.equals(BOOL));
  }

  boolean accepts(Object value) {
    return javaClass.isInstance(value);
  }
}
