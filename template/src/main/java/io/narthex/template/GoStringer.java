package io.narthex.template;

/**
 * A value with Go's {@code String() string} method ({@code fmt.Stringer}): {@code %v}, {@code %s}, {@code %q},
 * {@code %x}, {@code %X} and printing it in a template write that string.
 */
public interface GoStringer {
  String goString();
}
