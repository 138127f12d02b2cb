package io.narthex.distributor;

/**
 * Per-tenant validation limits, with Mimir's defaults and flag names ({@code -validation.*}).
 *
 * @param maxLabelNameLength longest label name, in characters ({@code -validation.max-length-label-name})
 * @param maxLabelValueLength longest label value, in characters ({@code -validation.max-length-label-value})
 * @param maxLabelNamesPerSeries most labels in one series, {@code __name__} included
 *     ({@code -validation.max-label-names-per-series})
 * @param createGracePeriodMs how far past the distributor's clock a sample's timestamp may be, in milliseconds
 *     ({@code -validation.create-grace-period})
 */
public record ValidationLimits(
    int maxLabelNameLength, int maxLabelValueLength, int maxLabelNamesPerSeries, long createGracePeriodMs) {
  public static ValidationLimits defaults() {
    return new ValidationLimits(1024, 2048, 30, 10 * 60_000L);
  }
}
