package dev.headstream.tools.speakers;

import dev.headstream.core.head.PrototypeHead;
import java.util.List;

/**
 * {@link PrototypeHead} as a speaker head: per member the mean of its L2-normalised enrollment
 * vectors; an utterance's score is its cosine to the closest member mean.
 */
public final class PrototypeSpeakerHead implements SpeakerHead {

    /** Softmax temperature of the prototype head; the decision reads cosines, so it does not matter here. */
    static final float TEMPERATURE = 0.1f;

    private final PrototypeHead head;

    public PrototypeSpeakerHead(List<List<float[]>> enrollment) {
        if (enrollment.isEmpty() || enrollment.get(0).isEmpty()) {
            throw new IllegalArgumentException("every member needs an enrollment vector");
        }
        int dim = enrollment.get(0).get(0).length;
        this.head = new PrototypeHead(enrollment.size(), dim, TEMPERATURE);
        for (int c = 0; c < enrollment.size(); c++) {
            if (enrollment.get(c).isEmpty()) {
                throw new IllegalArgumentException("member " + c + " has no enrollment vector");
            }
            for (float[] x : enrollment.get(c)) {
                head.add(c, x, 0);
            }
        }
    }

    /** The factory for {@code bench-speakers}. */
    public static Factory factory() {
        return new Factory() {
            @Override
            public String name() {
                return "prototype";
            }

            @Override
            public SpeakerHead build(List<List<float[]>> enrollment) {
                return new PrototypeSpeakerHead(enrollment);
            }
        };
    }

    @Override
    public int members() {
        return head.classes();
    }

    @Override
    public Score score(float[] x) {
        int best = head.classify(x, 0);
        return new Score(best, head.cosine(best, x, 0));
    }
}
