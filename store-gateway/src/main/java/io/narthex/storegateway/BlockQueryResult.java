package io.narthex.storegateway;

import java.util.List;

/**
 * What a store-gateway read from the requested blocks, and which of them it read: the requested blocks it holds.
 * The querier asks another owner for the rest.
 */
public record BlockQueryResult<T>(T value, List<String> queriedBlocks) {
  public BlockQueryResult {
    queriedBlocks = List.copyOf(queriedBlocks);
  }
}
