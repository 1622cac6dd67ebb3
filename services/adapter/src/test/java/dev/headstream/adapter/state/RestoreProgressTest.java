package dev.headstream.adapter.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {

    private final RestoreProgress progress = new RestoreProgress();

    private boolean ready() {
        return RestoreProgress.ready(progress.assignedOnce(), progress.restoring());
    }

    @Test
    void notReadyBeforeTheFirstAssignment() {
        assertThat(progress.assignedOnce()).isFalse();
        assertThat(ready()).isFalse();
    }

    @Test
    void notReadyWhileTheFirstAssignmentIsRestoredThenReady() {
        progress.started(List.of(0, 1));
        assertThat(progress.restoring()).containsExactlyInAnyOrder(0, 1);
        assertThat(ready()).isFalse();
        progress.finished(List.of(0, 1));
        assertThat(progress.restoring()).isEmpty();
        assertThat(ready()).isTrue();
    }

    @Test
    void anEmptyFirstAssignmentMakesTheInstanceReady() {
        progress.started(List.of());
        progress.finished(List.of());
        assertThat(ready()).isTrue();
    }

    @Test
    void aLaterRestoreTakesReadinessDownUntilItIsOver() {
        progress.started(List.of(0));
        progress.finished(List.of(0));
        progress.started(List.of(2));
        assertThat(ready()).isFalse();
        progress.finished(List.of(2));
        assertThat(ready()).isTrue();
    }

    @Test
    void readinessNeedsBothTheFirstAssignmentAndNoRestoreRunning() {
        assertThat(RestoreProgress.ready(true, Set.of())).isTrue();
        assertThat(RestoreProgress.ready(true, Set.of(3))).isFalse();
        assertThat(RestoreProgress.ready(false, Set.of())).isFalse();
    }
}
