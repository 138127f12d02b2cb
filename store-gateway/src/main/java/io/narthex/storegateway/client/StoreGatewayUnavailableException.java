package io.narthex.storegateway.client;

import io.narthex.common.ErrorId;
import io.narthex.tsdb.storage.StorageException;
import java.util.List;

/**
 * Some blocks a query needs could not be read from any store-gateway owning them: the gateways failed, were
 * unreachable or did not hold the blocks (yet). The query fails rather than answer without those blocks' data.
 * Stable id {@link ErrorId#STORE_GATEWAY_UNAVAILABLE}.
 */
public class StoreGatewayUnavailableException extends StorageException {
  public static final String ERROR_ID = ErrorId.STORE_GATEWAY_UNAVAILABLE.id();

  private final String tenant;
  private final List<String> blockIds;

  /**
   * @param blockIds the blocks not queried
   * @param errors what each gateway tried said, for the message
   */
  public StoreGatewayUnavailableException(String tenant, List<String> blockIds, List<String> errors) {
    super(ERROR_ID + ": " + blockIds.size() + " block(s) of tenant " + tenant
        + " could not be queried on any store-gateway owning them: " + blockIds
        + (errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")"));
    this.tenant = tenant;
    this.blockIds = List.copyOf(blockIds);
  }

  public String tenant() {
    return tenant;
  }

  /** The ULIDs of the blocks that no gateway read. */
  public List<String> blockIds() {
    return blockIds;
  }
}
