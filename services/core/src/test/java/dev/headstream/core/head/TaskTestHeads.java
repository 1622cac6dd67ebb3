package dev.headstream.core.head;

/** Deterministic small task heads (softmax, multi-label, dropout) and their parameters for tests. */
final class TaskTestHeads {

    private TaskTestHeads() {}

    /** 5 parameterised layers like hey_jarvis, 4-class softmax output. */
    static TaskArchitecture softmaxWithLayerNorm() {
        return TaskArchitecture.builder(10)
                .dense(7)
                .layerNorm(1e-3f)
                .relu()
                .dense(6)
                .layerNorm(1e-3f)
                .relu()
                .dense(4)
                .build(HeadOutput.softmax(4));
    }

    /** Plain MLP (no LayerNorm) with 5 independent sigmoid outputs. */
    static TaskArchitecture multiLabelPlain() {
        return TaskArchitecture.builder(9)
                .dense(8)
                .relu()
                .dense(5)
                .relu()
                .dense(5)
                .build(HeadOutput.multiLabel(5));
    }

    /** Dropout after both hidden blocks, 3-class softmax; 4 parameterised layers. */
    static TaskArchitecture softmaxWithDropout() {
        return TaskArchitecture.builder(10)
                .dense(12)
                .layerNorm(1e-3f)
                .relu()
                .dropout(0.3f)
                .dense(9)
                .relu()
                .dropout(0.5f)
                .dense(3)
                .build(HeadOutput.softmax(3));
    }

    static float[] randomParameters(TaskArchitecture arch, long seed) {
        return TestHeads.randomParameters(arch.layers(), arch.parameterCount(), seed);
    }

    static float[] perturbed(float[] v, double scale, long seed) {
        float[] noise = TestHeads.randomVector(v.length, scale, seed);
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += noise[i];
        }
        return out;
    }
}
