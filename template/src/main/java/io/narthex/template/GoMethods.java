package io.narthex.template;

/**
 * A value with Go methods, which templates call as {@code .Name arg...}: as in Go, a method comes before a field or
 * map key of the same name. The Alertmanager's data ({@code .Alerts.Firing}, {@code .CommonLabels.SortedPairs}) and
 * Go's time values use it.
 */
public interface GoMethods {
  /** The method called {@code name}, or null if the value has none. */
  GoMethod goMethod(String name);
}
