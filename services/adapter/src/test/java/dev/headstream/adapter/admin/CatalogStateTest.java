package dev.headstream.adapter.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.adapter.admin.CatalogViews.HeadDetail;
import dev.headstream.adapter.admin.CatalogViews.UserPage;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadScore;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CatalogStateTest {

    private final CatalogState state = new CatalogState(2, 3, 10);

    private static byte[] head(String headId, long version, HeadStatus status) {
        String[] p = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setVersion(version)
                .setStatus(status)
                .setThreshold(0.25f * version)
                .setCreatedTimeMs(1000 * version)
                .setProvenance(Provenance.newBuilder().setSamplesApplied(version))
                .build()
                .toByteArray();
    }

    private static byte[] metrics(String headId, long seen, double adaptedAccuracy, boolean negativeTransferAlarm) {
        String[] p = headId.split("/");
        return AdaptationMetrics.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setHeadVersion(seen)
                .setSamplesSeen(seen)
                .setSourcePrequential(HeadScore.newBuilder().setAccuracy(0.5))
                .setAdaptedPrequential(HeadScore.newBuilder().setAccuracy(adaptedAccuracy))
                .setNegativeTransferStatistic(1.5)
                .setNegativeTransferThreshold(4.0)
                .setNegativeTransferAlarm(negativeTransferAlarm)
                .setCalibrationFalseAcceptsPerHour(0.5)
                .setCreatedTimeMs(1000 * seen + 1)
                .build()
                .toByteArray();
    }

    @Test
    void aHeadKeepsItsNewestVersionABoundedHistoryAndABoundedCurve() {
        for (long v = 1; v <= 4; v++) {
            assertThat(state.acceptHead("t/alice/wake", head("t/alice/wake", v, HeadStatus.HEAD_STATUS_ACTIVE)))
                    .contains("t/alice/wake");
            state.acceptMetrics("t/alice/wake", metrics("t/alice/wake", v, 0.6 + 0.1 * v, false));
        }

        HeadDetail d = state.head("t/alice/wake").orElseThrow();
        assertThat(d.newest().version()).isEqualTo(4);
        assertThat(d.newest().status()).isEqualTo("ACTIVE");
        assertThat(d.newest().threshold()).isEqualTo(1.0f);
        assertThat(d.history()).extracting(CatalogViews.Version::version).containsExactly(3L, 2L);
        assertThat(d.curve()).extracting(CatalogViews.Point::samplesSeen).containsExactly(2L, 3L, 4L);
        assertThat(d.curve().get(2).adaptedAccuracy()).isEqualTo(0.6 + 0.4);
        assertThat(d.monitors().negativeTransfer()).isEqualTo(new CatalogViews.Test(1.5, 4.0, false));
        assertThat(d.monitors().calibrationFalseAcceptsPerHour()).isEqualTo(0.5);
    }

    @Test
    void anOlderVersionReadLateDoesNotReplaceTheNewest() {
        state.acceptHead("t/a/wake", head("t/a/wake", 5, HeadStatus.HEAD_STATUS_ACTIVE));

        assertThat(state.acceptHead("t/a/wake", head("t/a/wake", 3, HeadStatus.HEAD_STATUS_RESET)))
                .isEmpty();
        assertThat(state.head("t/a/wake").orElseThrow().newest().version()).isEqualTo(5);
    }

    @Test
    void aRecordIsFiledByItsKeyAndOneNamingAnotherHeadIsSkipped() {
        state.acceptHead("t/a/wake", head("t/a/wake", 1, HeadStatus.HEAD_STATUS_ACTIVE));

        assertThat(state.acceptHead("t/mallory/wake", head("t/a/wake", 99, HeadStatus.HEAD_STATUS_ACTIVE)))
                .isEmpty();
        assertThat(state.acceptMetrics("t/mallory/wake", metrics("t/a/wake", 99, 0.0, true)))
                .isEmpty();
        assertThat(state.acceptHead("t/a/wake", "garbage".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();

        assertThat(state.head("t/a/wake").orElseThrow().newest().version()).isEqualTo(1);
        assertThat(state.head("t/a/wake").orElseThrow().monitors()).isNull();
        assertThat(state.head("t/mallory/wake")).isEmpty();
        assertThat(state.skippedForeign()).isEqualTo(2);
        assertThat(state.skippedUnreadable()).isEqualTo(1);
    }

    @Test
    void aTombstoneRemovesTheHeadWithItsCurve() {
        state.acceptHead("t/a/wake", head("t/a/wake", 1, HeadStatus.HEAD_STATUS_ACTIVE));
        state.acceptMetrics("t/a/wake", metrics("t/a/wake", 1, 0.9, false));

        assertThat(state.acceptHead("t/a/wake", null)).contains("t/a/wake");

        assertThat(state.head("t/a/wake")).isEmpty();
        assertThat(state.user("t", "a")).isEmpty();
        assertThat(state.users("", "", 0, 10).total()).isZero();
        assertThat(state.size()).isZero();
    }

    @Test
    void metricsBeforeTheFirstVersionAreKeptButTheHeadIsListedOnlyOnceAVersionArrives() {
        state.acceptMetrics("t/a/wake", metrics("t/a/wake", 1, 0.9, true));
        assertThat(state.head("t/a/wake")).isEmpty();
        assertThat(state.users("", "", 0, 10).users()).isEmpty();

        state.acceptHead("t/a/wake", head("t/a/wake", 1, HeadStatus.HEAD_STATUS_ACTIVE));

        assertThat(state.head("t/a/wake").orElseThrow().curve()).hasSize(1);
        assertThat(state.users("", "", 0, 10).users())
                .singleElement()
                .satisfies(u -> assertThat(u.alarmed()).isTrue());
    }

    @Test
    void usersComeInTenantAndUserOrderFilteredAndPaged() {
        for (String id : new String[] {"b/zed/wake", "a/bob/wake", "a/bob/other", "a/alice/wake", "a/carol/wake"}) {
            state.acceptHead(id, head(id, 1, HeadStatus.HEAD_STATUS_ACTIVE));
        }

        UserPage all = state.users("", "", 0, 10);
        assertThat(all.total()).isEqualTo(4);
        assertThat(all.users())
                .extracting(u -> u.tenant() + "/" + u.user() + ":" + u.heads())
                .containsExactly("a/alice:1", "a/bob:2", "a/carol:1", "b/zed:1");
        assertThat(state.users("a", "", 1, 1).users())
                .extracting(CatalogViews.UserSummary::user)
                .containsExactly("bob");
        assertThat(state.users("", "O", 0, 10).users())
                .extracting(CatalogViews.UserSummary::user)
                .containsExactly("bob", "carol");
        assertThat(state.user("a", "bob").orElseThrow().heads())
                .extracting(CatalogViews.HeadSummary::task)
                .containsExactly("other", "wake");
    }

    @Test
    void pastItsBoundTheCatalogDropsNewHeadsAndCountsThem() {
        CatalogState small = new CatalogState(0, 1, 2);
        for (String u : new String[] {"a", "b", "c"}) {
            small.acceptHead("t/" + u + "/wake", head("t/" + u + "/wake", 1, HeadStatus.HEAD_STATUS_ACTIVE));
        }

        assertThat(small.size()).isEqualTo(2);
        assertThat(small.head("t/c/wake")).isEmpty();
        assertThat(small.droppedOverCapacity()).isEqualTo(1);
        assertThatThrownBy(() -> new CatalogState(0, 0, 1)).hasMessageContaining("curve >= 1");
    }
}
