package io.narthex.storegateway;

import static io.narthex.storegateway.TestBlocks.T0;
import static io.narthex.storegateway.TestBlocks.shipBlock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.narthex.objstore.Buckets;
import io.narthex.proto.ingester.LabelValuesRequest;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import io.narthex.proto.storegateway.StoreGatewayGrpc;
import io.narthex.proto.storegateway.StoreGatewayGrpc.StoreGatewayBlockingStub;
import io.narthex.proto.prompb.LabelMatcher;
import io.narthex.tsdb.block.BlockMeta;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreGatewayGrpcServiceTest {
  private static final String TENANT = "team-a";
  private static final LabelMatcher ANY_METRIC =
      LabelMatcher.newBuilder().setType(LabelMatcher.Type.RE).setName("__name__").setValue(".+").build();

  @TempDir Path tmp;

  private FaultyBucket bucket;
  private StoreGatewayCluster cluster;
  private StoreGatewayBlockingStub stub;
  private BlockMeta block;

  @BeforeEach
  void setUp() throws IOException {
    bucket = new FaultyBucket(Buckets.filesystem("blocks", tmp.resolve("bucket")));
    block = shipBlock(bucket, TENANT, tmp.resolve("work"), 0, 150, "up");
    cluster = new StoreGatewayCluster(bucket, tmp.resolve("data"), 1, 1);
    stub = StoreGatewayGrpc.newBlockingStub(cluster.channels().get("gw-0"));
  }

  @AfterEach
  void tearDown() throws IOException {
    cluster.close();
    bucket.close();
  }

  private SelectRequest.Builder select() {
    return SelectRequest.newBuilder()
        .setTenant(TENANT)
        .setStartTimestampMs(T0)
        .setEndTimestampMs(Long.MAX_VALUE)
        .addMatchers(ANY_METRIC)
        .addBlockIds(block.ulid());
  }

  private List<SelectResponse> call(SelectRequest request) {
    List<SelectResponse> responses = new ArrayList<>();
    stub.select(request).forEachRemaining(responses::add);
    return responses;
  }

  @Test
  void keepsTheGrpcMethodNamesOfTheFirstReleaseOnTheWire() {
    // The service moved to storegateway.proto; queriers and gateways of both versions must still talk.
    assertThat(StoreGatewayGrpc.getSelectMethod().getFullMethodName()).isEqualTo("narthex.ingester.StoreGateway/Select");
    assertThat(StoreGatewayGrpc.getLabelNamesMethod().getFullMethodName())
        .isEqualTo("narthex.ingester.StoreGateway/LabelNames");
    assertThat(StoreGatewayGrpc.getLabelValuesMethod().getFullMethodName())
        .isEqualTo("narthex.ingester.StoreGateway/LabelValues");
  }

  @Test
  void streamsSeriesInBatchesWithTheQueriedBlocksOnTheFirstMessage() {
    List<SelectResponse> responses = call(select().build());

    assertThat(responses).hasSize(3);
    assertThat(responses.getFirst().getQueriedBlocksList()).containsExactly(block.ulid());
    assertThat(responses.subList(1, 3)).allSatisfy(r -> assertThat(r.getQueriedBlocksList()).isEmpty());
    assertThat(responses.stream().mapToInt(SelectResponse::getSeriesCount).sum()).isEqualTo(150);
  }

  @Test
  void answersTheSeriesHintWithLabelsAndNoChunks() {
    List<SelectResponse> responses = call(select().setFunction("series").build());

    assertThat(responses.stream().mapToInt(SelectResponse::getSeriesCount).sum()).isEqualTo(150);
    assertThat(responses).allSatisfy(r -> assertThat(r.getSeriesList())
        .allSatisfy(series -> assertThat(series.getChunksCount()).isZero()));
    assertThat(responses.getFirst().getQueriedBlocksList()).containsExactly(block.ulid());
    assertThat(call(select().build()).getFirst().getSeries(0).getChunksCount()).isPositive();
  }

  @Test
  void answersWithNoQueriedBlocksWhenItHoldsNoneOfThoseRequested() {
    List<SelectResponse> responses =
        call(select().clearBlockIds().addBlockIds("01J00000000000000000000000").build());

    assertThat(responses).singleElement().satisfies(response -> {
      assertThat(response.getQueriedBlocksList()).isEmpty();
      assertThat(response.getSeriesList()).isEmpty();
    });
  }

  @Test
  void rejectsABadMatcherWithInvalidArgument() {
    SelectRequest request = select()
        .addMatchers(LabelMatcher.newBuilder().setType(LabelMatcher.Type.RE).setName("job").setValue("(api"))
        .build();

    assertThatThrownBy(() -> call(request))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void reportsBucketFaultsAsUnavailable() {
    bucket.failReads = true;

    assertThatThrownBy(() -> call(select().build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("gw-0").contains("injected fault");
        });
    assertThatThrownBy(() -> stub.labelValues(LabelValuesRequest.newBuilder()
        .setTenant(TENANT)
        .setName("instance")
        .setStartTimestampMs(T0)
        .setEndTimestampMs(Long.MAX_VALUE)
        .addMatchers(ANY_METRIC)
        .addBlockIds(block.ulid())
        .build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }
}
