package io.narthex.ruler;

import com.linecorp.armeria.common.QueryParams;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** How a ruler asks the other rulers for their rule groups of a tenant ({@link RulesApi#INTERNAL_RULES_PATH}). */
@FunctionalInterface
public interface PeerRules {
  /** No other ruler. */
  PeerRules NONE = (addresses, tenant, params) -> List.of();

  /**
   * The groups every ruler at {@code addresses} runs for {@code tenant}, filtered by {@code params} (the filters of
   * {@code /api/v1/rules} without pagination), each as the JSON object {@code /api/v1/rules} lists.
   *
   * @throws IOException naming a ruler that did not answer with 200 ({@code err-narthex-ruler-unavailable})
   */
  List<Map<String, Object>> groups(List<String> addresses, String tenant, QueryParams params) throws IOException;
}
