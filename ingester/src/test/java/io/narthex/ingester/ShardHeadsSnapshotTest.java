package io.narthex.ingester;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.tsdb.head.HeadSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An ingester's snapshot streams every tenant's head, and the length-prefixed version 2 still reads. */
class ShardHeadsSnapshotTest {
  private static final long T0_MS = 1_700_000_000_000L;

  private static ShardHeads ingesterWithTwoTenants() {
    ShardHeads ingester = new ShardHeads();
    for (String tenant : List.of("team-a", "team-b")) {
      PushRequest.Builder request = PushRequest.newBuilder().setTenant(tenant);
      for (int s = 0; s < 50; s++) {
        TimeSeries.Builder series = TimeSeries.newBuilder()
            .addLabels(Label.newBuilder().setName("__name__").setValue("up"))
            .addLabels(Label.newBuilder().setName("instance").setValue(tenant + "-" + s));
        for (int i = 0; i < 200; i++) {
          series.addSamples(Sample.newBuilder().setTimestamp(T0_MS + i * 15_000L).setValue(i));
        }
        request.addTimeseries(series);
      }
      byte[] bytes = request.build().toByteArray();
      assertThat(ingester.pushEncoded(bytes, 0, bytes.length).getAcceptedSamples()).isEqualTo(50 * 200);
    }
    ingester.closeRange("team-b", T0_MS);
    return ingester;
  }

  private static void assertSameContent(ShardHeads restored, ShardHeads original) {
    assertThat(restored.tenants()).containsExactlyElementsOf(original.tenants());
    for (String tenant : original.tenants()) {
      assertThat(restored.head(tenant).minValidTimeMs()).isEqualTo(original.head(tenant).minValidTimeMs());
      assertThat(restored.select(tenant, 0, Long.MAX_VALUE, List.of()))
          .usingRecursiveComparison().isEqualTo(original.select(tenant, 0, Long.MAX_VALUE, List.of()));
    }
  }

  @Test
  void snapshotStreamsEveryTenantsHeadAndReadsBack() throws Exception {
    ShardHeads original = ingesterWithTwoTenants();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    original.writeSnapshot(out);

    ShardHeads restored = ShardHeads.readSnapshot(new ByteArrayInputStream(out.toByteArray()));

    assertSameContent(restored, original);
    // The restored heads keep the appendable window: a sample 2h behind the newest is refused.
    byte[] old = PushRequest.newBuilder().setTenant("team-a").addTimeseries(TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue("late"))
        .addSamples(Sample.newBuilder().setTimestamp(T0_MS + 200 * 15_000L - 7_200_000L).setValue(1)))
        .build().toByteArray();
    assertThat(restored.pushEncoded(old, 0, old.length).getAcceptedSamples()).isZero();
  }

  @Test
  void readsTheLengthPrefixedVersionTwo() throws Exception {
    ShardHeads original = ingesterWithTwoTenants();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x4e584953);
    out.writeInt(2);
    out.writeInt(original.tenants().size());
    for (String tenant : original.tenants()) {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      HeadSnapshot.write(original.head(tenant), head);
      out.writeUTF(tenant);
      out.writeLong(original.head(tenant).minValidTimeMs());
      out.writeLong(original.head(tenant).inBlocksBeforeMs());
      out.writeInt(head.size());
      head.writeTo(out);
    }

    assertSameContent(ShardHeads.readSnapshot(new ByteArrayInputStream(bytes.toByteArray())), original);
  }
}
